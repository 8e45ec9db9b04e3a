// Write semantics of the test API server: resourceVersion, generation, status subresource,
// conflicts, Status bodies, finalizers, namespaces, pagination.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { raw } from '../../kubeapi/index.js';
import { until, widget, WIDGETS, withWidgets, type Harness } from './fixtures.js';

describe('kubeapi storage semantics', () => {
  let h: Harness;
  before(async () => {
    h = await withWidgets();
  });
  after(async () => {
    await h.server.stop();
  });

  it('assigns a global, monotonically increasing resourceVersion to every write and list', async () => {
    const seen: number[] = [];
    for (const n of ['rv-1', 'rv-2', 'rv-3']) {
      const r = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget(n) });
      assert.equal(r.code, 201);
      seen.push(Number(r.body.metadata.resourceVersion));
    }
    const node = await raw(h.admin, { method: 'POST', path: '/api/v1/nodes', body: { metadata: { name: 'rv-node' } } });
    seen.push(Number(node.body.metadata.resourceVersion));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `rv ${seen[i]} after ${seen[i - 1]}`);
    const list = await raw(h.admin, { path: WIDGETS });
    assert.equal(list.body.kind, 'WidgetList');
    assert.ok(Number(list.body.metadata.resourceVersion) >= seen[seen.length - 1]!, 'a list carries the current resourceVersion');
    assert.equal(h.server.resourceVersion(), Number(list.body.metadata.resourceVersion));
  });

  it('sets uid, creationTimestamp and generation 1; bumps generation only when spec changes', async () => {
    const c = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('gen', { nodeName: 'n1', size: 2 }) });
    assert.match(c.body.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(c.body.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(c.body.metadata.generation, 1);
    const labelled = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/gen`, contentType: 'application/merge-patch+json', body: { metadata: { labels: { x: 'y' } } } });
    assert.equal(labelled.body.metadata.generation, 1, 'metadata change keeps generation');
    assert.notEqual(labelled.body.metadata.resourceVersion, c.body.metadata.resourceVersion);
    const st = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/gen/status`, contentType: 'application/merge-patch+json', body: { status: { observedGeneration: 1 } } });
    assert.equal(st.body.metadata.generation, 1, 'status change keeps generation');
    const sp = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/gen`, contentType: 'application/merge-patch+json', body: { spec: { size: 3 } } });
    assert.equal(sp.body.metadata.generation, 2, 'spec change bumps generation');
    const same = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/gen`, contentType: 'application/merge-patch+json', body: { spec: { size: 3 } } });
    assert.equal(same.body.metadata.resourceVersion, sp.body.metadata.resourceVersion, 'a no-op patch writes nothing');
    assert.equal(same.body.metadata.generation, 2);
  });

  it('separates the status subresource from the main resource', async () => {
    await raw(h.admin, { method: 'POST', path: WIDGETS, body: { ...widget('st', { nodeName: 'n1', size: 1 }), status: { observedGeneration: 9 } } });
    const created = await raw(h.admin, { path: `${WIDGETS}/st` });
    assert.equal(created.body.status, undefined, 'create cannot set status');
    const viaMain = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/st`, contentType: 'application/merge-patch+json', body: { status: { observedGeneration: 5 } } });
    assert.equal(viaMain.body.status, undefined, 'the main resource ignores status');
    const viaStatus = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/st/status`, contentType: 'application/merge-patch+json', body: { spec: { size: 4 }, metadata: { labels: { no: 'pe' } }, status: { observedGeneration: 5 } } });
    assert.equal(viaStatus.code, 200);
    assert.equal(viaStatus.body.status.observedGeneration, 5);
    assert.equal(viaStatus.body.spec.size, 1, '/status ignores spec');
    assert.equal(viaStatus.body.metadata.labels, undefined, '/status ignores metadata');
    const put = { ...viaStatus.body, spec: { nodeName: 'n1', size: 2 }, status: { observedGeneration: 77 } };
    const updated = await raw(h.admin, { method: 'PUT', path: `${WIDGETS}/st`, body: put });
    assert.equal(updated.body.spec.size, 2);
    assert.equal(updated.body.status.observedGeneration, 5, 'PUT on the main resource keeps the stored status');
  });

  it('answers a stale resourceVersion with 409 Conflict and a Status body; unconditional CR updates are refused', async () => {
    const c = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('cf') });
    await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/cf`, contentType: 'application/merge-patch+json', body: { spec: { size: 2 } } });
    const stale = await raw(h.admin, { method: 'PUT', path: `${WIDGETS}/cf`, body: { ...c.body, spec: { nodeName: 'node-a', size: 5 } } });
    assert.equal(stale.code, 409);
    assert.deepEqual(
      { kind: stale.body.kind, status: stale.body.status, reason: stale.body.reason, code: stale.body.code, details: stale.body.details },
      { kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409, details: { name: 'cf', group: 'test.example.com', kind: 'widgets' } },
    );
    assert.match(stale.body.message, /Operation cannot be fulfilled on widgets.test.example.com "cf": the object has been modified/);
    const stalePatch = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/cf`, contentType: 'application/merge-patch+json', body: { metadata: { resourceVersion: c.body.metadata.resourceVersion }, spec: { size: 9 } } });
    assert.equal(stalePatch.code, 409, 'a patch carrying a stale resourceVersion is a precondition');
    const noRv = { ...c.body, metadata: { ...c.body.metadata, resourceVersion: undefined } };
    const unconditional = await raw(h.admin, { method: 'PUT', path: `${WIDGETS}/cf`, body: noRv });
    assert.equal(unconditional.code, 422);
    assert.equal(unconditional.body.details.causes[0].field, 'metadata.resourceVersion');
  });

  it('returns NotFound and AlreadyExists Status bodies like the apiserver', async () => {
    const nf = await raw(h.admin, { path: `${WIDGETS}/missing` });
    assert.equal(nf.code, 404);
    assert.equal(nf.body.reason, 'NotFound');
    assert.equal(nf.body.message, 'widgets.test.example.com "missing" not found');
    assert.deepEqual(nf.body.details, { name: 'missing', group: 'test.example.com', kind: 'widgets' });
    await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('dup') });
    const ae = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('dup') });
    assert.equal(ae.code, 409);
    assert.equal(ae.body.reason, 'AlreadyExists');
    assert.equal(ae.body.message, 'widgets.test.example.com "dup" already exists');
    const nsMissing = await raw(h.admin, { method: 'POST', path: '/apis/test.example.com/v1/namespaces/nope/widgets', body: widget('x') });
    assert.equal(nsMissing.code, 404);
    assert.equal(nsMissing.body.message, 'namespaces "nope" not found');
    const badPath = await raw(h.admin, { path: '/apis/test.example.com/v1/gadgets' });
    assert.equal(badPath.code, 404);
  });

  it('keeps an object with finalizers until the last finalizer is removed', async () => {
    await raw(h.admin, { method: 'POST', path: WIDGETS, body: { ...widget('fin'), metadata: { name: 'fin', finalizers: ['test.example.com/a', 'test.example.com/b'] } } });
    const del = await raw(h.admin, { method: 'DELETE', path: `${WIDGETS}/fin` });
    assert.equal(del.code, 200);
    assert.ok(del.body.metadata.deletionTimestamp, 'deletionTimestamp set');
    assert.equal(del.body.metadata.generation, 2, 'setting deletionTimestamp bumps generation');
    const again = await raw(h.admin, { method: 'DELETE', path: `${WIDGETS}/fin` });
    assert.equal(again.body.metadata.resourceVersion, del.body.metadata.resourceVersion, 'a second DELETE changes nothing');
    const added = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/fin`, contentType: 'application/merge-patch+json', body: { metadata: { finalizers: ['test.example.com/a', 'test.example.com/b', 'new'] } } });
    assert.equal(added.code, 422, 'no new finalizers on a deleting object');
    const one = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/fin`, contentType: 'application/json-patch+json', body: [{ op: 'remove', path: '/metadata/finalizers/0' }] });
    assert.deepEqual(one.body.metadata.finalizers, ['test.example.com/b']);
    assert.equal((await raw(h.admin, { path: `${WIDGETS}/fin` })).code, 200, 'still there with one finalizer');
    const last = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/fin`, contentType: 'application/merge-patch+json', body: { metadata: { finalizers: null } } });
    assert.equal(last.code, 200);
    assert.equal((await raw(h.admin, { path: `${WIDGETS}/fin` })).code, 404, 'gone after the last finalizer');
  });

  it('checks delete preconditions and returns the deleted custom resource', async () => {
    const c = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('pre') });
    const wrongUid = await raw(h.admin, { method: 'DELETE', path: `${WIDGETS}/pre`, body: { preconditions: { uid: 'not-it' } } });
    assert.equal(wrongUid.code, 409);
    assert.match(wrongUid.body.message, /Precondition failed: UID in precondition: not-it/);
    const ok = await raw(h.admin, { method: 'DELETE', path: `${WIDGETS}/pre`, body: { preconditions: { uid: c.body.metadata.uid } } });
    assert.equal(ok.code, 200);
    assert.equal(ok.body.kind, 'Widget');
    const node = await raw(h.admin, { method: 'POST', path: '/api/v1/nodes', body: { metadata: { name: 'gone-node' } } });
    const nd = await raw(h.admin, { method: 'DELETE', path: '/api/v1/nodes/gone-node' });
    assert.equal(nd.body.kind, 'Status', 'built-ins answer DELETE with a Status');
    assert.equal(nd.body.details.uid, node.body.metadata.uid);
  });

  it('serves cluster-scoped and namespaced paths, all-namespaces lists and generateName', async () => {
    await raw(h.admin, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'other' } } });
    const g = await raw(h.admin, { method: 'POST', path: '/apis/test.example.com/v1/namespaces/other/widgets', body: { ...widget(''), metadata: { generateName: 'gen-' } } });
    assert.equal(g.code, 201);
    assert.match(g.body.metadata.name, /^gen-[a-z0-9]{5}$/);
    assert.equal(g.body.metadata.namespace, 'other');
    const all = await raw(h.admin, { path: '/apis/test.example.com/v1/widgets' });
    const namespaces = new Set(all.body.items.map((o: { metadata: { namespace: string } }) => o.metadata.namespace));
    assert.ok(namespaces.has('other') && namespaces.has('default'));
    const wrongNs = await raw(h.admin, { method: 'POST', path: WIDGETS, body: { ...widget('x'), metadata: { name: 'x', namespace: 'other' } } });
    assert.equal(wrongNs.code, 400);
    const clusterWithNs = await raw(h.admin, { path: '/api/v1/namespaces/default/nodes' });
    assert.equal(clusterWithNs.code, 404);
  });

  it('deletes a namespace with its content, waiting for finalizers', async () => {
    await raw(h.admin, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'doomed' } } });
    const path = '/apis/test.example.com/v1/namespaces/doomed/widgets';
    await raw(h.admin, { method: 'POST', path, body: widget('plain') });
    await raw(h.admin, { method: 'POST', path, body: { ...widget('held'), metadata: { name: 'held', finalizers: ['x/y'] } } });
    const d = await raw(h.admin, { method: 'DELETE', path: '/api/v1/namespaces/doomed' });
    assert.equal(d.body.status.phase, 'Terminating');
    const refused = await raw(h.admin, { method: 'POST', path, body: widget('late') });
    assert.equal(refused.code, 403);
    await until(async () => (await raw(h.admin, { path: `${path}/plain` })).code === 404, 2000, 'plain widget deleted');
    assert.equal((await raw(h.admin, { path: '/api/v1/namespaces/doomed' })).code, 200, 'namespace waits for the finalizer');
    await raw(h.admin, { method: 'PATCH', path: `${path}/held`, contentType: 'application/merge-patch+json', body: { metadata: { finalizers: null } } });
    await until(async () => (await raw(h.admin, { path: '/api/v1/namespaces/doomed' })).code === 404, 2000, 'namespace gone');
    const protectedNs = await raw(h.admin, { method: 'DELETE', path: '/api/v1/namespaces/default' });
    assert.equal(protectedNs.code, 403);
  });

  it('paginates with limit/continue over a consistent snapshot and expires old continue tokens', async () => {
    await raw(h.admin, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'pages' } } });
    const path = '/apis/test.example.com/v1/namespaces/pages/widgets';
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) await raw(h.admin, { method: 'POST', path, body: widget(n) });
    const first = await raw(h.admin, { path: `${path}?limit=2` });
    assert.deepEqual(first.body.items.map((o: { metadata: { name: string } }) => o.metadata.name), ['p1', 'p2']);
    assert.equal(first.body.metadata.remainingItemCount, 3);
    await raw(h.admin, { method: 'DELETE', path: `${path}/p3` });
    const second = await raw(h.admin, { path: `${path}?limit=2&continue=${first.body.metadata.continue}` });
    assert.deepEqual(second.body.items.map((o: { metadata: { name: string } }) => o.metadata.name), ['p3', 'p4'], 'the snapshot still has p3');
    assert.equal(second.body.metadata.resourceVersion, first.body.metadata.resourceVersion);
    const exact = await raw(h.admin, { path: `${path}?resourceVersion=${first.body.metadata.resourceVersion}&resourceVersionMatch=Exact` });
    assert.equal(exact.body.items.length, 5, 'an Exact list shows the past state');
    h.server.compact();
    const expired = await raw(h.admin, { path: `${path}?limit=2&continue=${second.body.metadata.continue}` });
    assert.equal(expired.code, 410);
    assert.equal(expired.body.reason, 'Expired');
    const oldExact = await raw(h.admin, { path: `${path}?resourceVersion=${first.body.metadata.resourceVersion}&resourceVersionMatch=Exact` });
    assert.equal(oldExact.code, 410);
  });
});
