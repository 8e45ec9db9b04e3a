// The real @kubernetes/client-node 1.4.0 against the test server: CustomObjectsApi CRUD and status
// patches, and an informer through watch drops and a compaction (410 -> relist).
//
// client-node 1.x sends PATCH bodies as application/json-patch+json unless told otherwise; a merge
// patch needs the Content-Type overridden per call with
//   setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
// passed as the second (options) argument. A JSON-patch array works without it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, CustomObjectsApi, PatchStrategy, makeInformer, setHeaderOptions, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import { raw } from '../../kubeapi/index.js';
import { until, widget, withWidgets, type Harness } from './fixtures.js';

const G = { group: 'test.example.com', version: 'v1', plural: 'widgets' };
type Widget = KubernetesObject & { spec?: { nodeName?: string; size?: number }; status?: { conditions?: { type: string; status: string }[] } };

describe('kubeapi with @kubernetes/client-node', () => {
  let h: Harness;
  let api: CustomObjectsApi;
  before(async () => {
    h = await withWidgets();
    api = h.server.kubeConfig().makeApiClient(CustomObjectsApi);
  });
  after(async () => {
    await h.server.stop();
  });

  it('creates, gets, patches status with a merge patch, and sees API errors with their codes', async () => {
    const created = (await api.createNamespacedCustomObject({ ...G, namespace: 'default', body: widget('cn', { nodeName: 'node-a' }) })) as Widget;
    assert.equal(created.metadata?.generation, 1);
    assert.equal(created.spec?.size, 1, 'server-side default visible to the client');
    const got = (await api.getNamespacedCustomObject({ ...G, namespace: 'default', name: 'cn' })) as Widget;
    assert.equal(got.metadata?.uid, created.metadata?.uid);
    const status = { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Converged', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } };
    const patched = (await api.patchNamespacedCustomObjectStatus({ ...G, namespace: 'default', name: 'cn', body: status }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))) as Widget;
    assert.equal(patched.status?.conditions?.[0]?.status, 'True');
    assert.equal(patched.metadata?.generation, 1);
    const jp = (await api.patchNamespacedCustomObject({ ...G, namespace: 'default', name: 'cn', body: [{ op: 'replace', path: '/spec/size', value: 3 }] })) as Widget;
    assert.equal(jp.spec?.size, 3, 'default content type (json-patch) with an operations array');
    assert.equal(jp.metadata?.generation, 2);
    assert.equal(h.server.requests({ verb: 'patch', subresource: 'status' }).length, 1);
    await assert.rejects(api.getNamespacedCustomObject({ ...G, namespace: 'default', name: 'nope' }), (e: unknown) => e instanceof ApiException && e.code === 404);
    await assert.rejects(
      api.createNamespacedCustomObject({ ...G, namespace: 'default', body: widget('cn', { nodeName: 'x' }) }),
      (e: unknown) => e instanceof ApiException && e.code === 409 && String(e.body).includes('AlreadyExists'),
    );
    await assert.rejects(
      api.patchNamespacedCustomObject({ ...G, namespace: 'default', name: 'cn', body: { spec: { size: 1 } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)),
      (e: unknown) => e instanceof ApiException && e.code === 415,
      'strategic merge patch on a custom resource is refused like on a real cluster',
    );
  });

  it('keeps an informer in sync through add/update/delete, dropped watches and a compaction', async () => {
    await raw(h.admin, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'inf' } } });
    const kc = h.server.kubeConfig();
    const path = '/apis/test.example.com/v1/namespaces/inf/widgets';
    const listFn = async (): Promise<KubernetesListObject<Widget>> => (await api.listNamespacedCustomObject({ ...G, namespace: 'inf' })) as KubernetesListObject<Widget>;
    const informer = makeInformer<Widget>(kc, path, listFn);
    const log: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (o) => log.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => log.push(`update ${o.metadata?.name} ${o.spec?.size}`));
    informer.on('delete', (o) => log.push(`delete ${o.metadata?.name}`));
    informer.on('error', (e) => errors.push(e));
    await raw(h.admin, { method: 'POST', path, body: widget('pre-existing') });
    await informer.start();
    try {
      await until(() => log.includes('add pre-existing'), 3000, 'initial list');
      await until(() => h.server.openWatches() === 1, 3000, 'watch open');
      await raw(h.admin, { method: 'POST', path, body: widget('i1') });
      await raw(h.admin, { method: 'PATCH', path: `${path}/i1`, contentType: 'application/merge-patch+json', body: { spec: { size: 5 } } });
      await raw(h.admin, { method: 'DELETE', path: `${path}/pre-existing` });
      await until(() => log.includes('delete pre-existing'), 3000, 'live events');
      assert.deepEqual(log, ['add pre-existing', 'add i1', 'update i1 5', 'delete pre-existing']);

      const listsBefore = h.server.countRequests({ verb: 'list', resource: 'widgets', namespace: 'inf' });
      const watchesBefore = h.server.countRequests({ verb: 'watch', resource: 'widgets', namespace: 'inf' });
      assert.equal(h.server.dropWatches(), 1);
      await until(() => h.server.countRequests({ verb: 'watch', resource: 'widgets', namespace: 'inf' }) > watchesBefore && h.server.openWatches() === 1, 3000, 're-watch');
      await raw(h.admin, { method: 'PATCH', path: `${path}/i1`, contentType: 'application/merge-patch+json', body: { spec: { size: 6 } } });
      await until(() => log.includes('update i1 6'), 3000, 'event after reconnect');
      assert.equal(h.server.countRequests({ verb: 'list', resource: 'widgets', namespace: 'inf' }), listsBefore, 'a dropped watch resumes from its resourceVersion without relisting');
      const resumed = h.server.requests({ verb: 'watch', resource: 'widgets', namespace: 'inf' }).at(-1)!;
      assert.match(resumed.query, /resourceVersion=\d+/);

      // Compaction: a write the informer misses while disconnected (its re-watch is held back 400 ms),
      // then its resume from a compacted resourceVersion gets 410 and it relists.
      h.server.failNext({ verb: 'watch', resource: 'widgets', namespace: 'inf', delayMs: 400 });
      h.server.dropWatches();
      await raw(h.admin, { method: 'POST', path, body: widget('while-away') });
      h.server.compact();
      assert.equal(h.server.openWatches(), 0, 'the informer was not watching when the write happened');
      await until(() => log.includes('add while-away'), 4000, 'relist after 410');
      assert.equal(h.server.countRequests({ verb: 'list', resource: 'widgets', namespace: 'inf' }), listsBefore + 1, 'the informer relisted once after 410');
      assert.deepEqual(informer.list().map((o) => o.metadata?.name).sort(), ['i1', 'while-away']);
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});
