// Server-side apply over HTTP, CRD deletion (custom resources are removed first), core Events with
// their field selectors, sendInitialEvents, Table and metadata-only responses.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { raw, rawWatch } from '../../kubeapi/index.js';
import { until, widget, WIDGETS, widgetCrd, withWidgets, type Harness } from './fixtures.js';

const APPLY = 'application/apply-patch+yaml';

describe('kubeapi lifecycle', () => {
  let h: Harness;
  before(async () => {
    h = await withWidgets();
  });
  after(async () => {
    await h.server.stop();
  });

  it('server-side apply creates, updates, removes dropped fields and reports conflicts between managers', async () => {
    const path = `${WIDGETS}/ssa`;
    const noManager = await raw(h.admin, { method: 'PATCH', path, contentType: APPLY, body: stringify(widget('ssa', { nodeName: 'n1' })) });
    assert.equal(noManager.code, 400, 'fieldManager is required');
    const created = await raw(h.admin, { method: 'PATCH', path: `${path}?fieldManager=agent`, contentType: APPLY, body: stringify(widget('ssa', { nodeName: 'n1', size: 2, color: 'red' })) });
    assert.equal(created.code, 201);
    assert.equal(created.body.metadata.managedFields[0].manager, 'agent');
    assert.equal(created.body.metadata.managedFields[0].operation, 'Apply');
    const conflict = await raw(h.admin, { method: 'PATCH', path: `${path}?fieldManager=other`, contentType: APPLY, body: stringify(widget('ssa', { nodeName: 'n1', size: 3 })) });
    assert.equal(conflict.code, 409);
    assert.equal(conflict.body.reason, 'Conflict');
    assert.deepEqual(conflict.body.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "agent"', field: '.spec.size' }]);
    const forced = await raw(h.admin, { method: 'PATCH', path: `${path}?fieldManager=other&force=true`, contentType: APPLY, body: stringify(widget('ssa', { nodeName: 'n1', size: 3 })) });
    assert.equal(forced.code, 200);
    assert.equal(forced.body.spec.size, 3);
    const dropped = await raw(h.admin, { method: 'PATCH', path: `${path}?fieldManager=agent`, contentType: APPLY, body: stringify(widget('ssa', { nodeName: 'n1' })) });
    assert.equal(dropped.body.spec.color, undefined, 'agent dropped color, which only it owned');
    assert.equal(dropped.body.spec.size, 3, 'size now belongs to "other" and stays');
    const status = { apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name: 'ssa' }, status: { observedGeneration: 1 } };
    const st = await raw(h.admin, { method: 'PATCH', path: `${path}/status?fieldManager=agent`, contentType: APPLY, body: JSON.stringify(status) });
    assert.equal(st.code, 200);
    assert.equal(st.body.status.observedGeneration, 1);
    const entry = st.body.metadata.managedFields.find((e: { subresource?: string }) => e.subresource === 'status');
    assert.deepEqual(entry?.fieldsV1, { 'f:status': { 'f:observedGeneration': {} } });
  });

  it('deletes every custom resource before the CRD itself, then stops serving the resource', async () => {
    const path = '/apis/test.example.com/v1/namespaces/default/widgets';
    await raw(h.admin, { method: 'POST', path, body: widget('doomed-1') });
    await raw(h.admin, { method: 'POST', path, body: { ...widget('doomed-2'), metadata: { name: 'doomed-2', finalizers: ['x/y'] } } });
    const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.example.com';
    const watch = rawWatch(h.admin, `${path}?watch=1&resourceVersion=${h.server.resourceVersion()}`);
    await watch.code;
    const del = await raw(h.admin, { method: 'DELETE', path: crdPath });
    assert.equal(del.code, 200);
    assert.ok(del.body.metadata.deletionTimestamp);
    assert.ok(del.body.metadata.finalizers.includes('customresourcecleanup.apiextensions.k8s.io'));
    await until(async () => (await raw(h.admin, { path: `${path}/doomed-1` })).code === 404, 2000, 'plain CR deleted');
    const refused = await raw(h.admin, { method: 'POST', path, body: widget('late') });
    assert.equal(refused.code, 405, 'no creates while the CRD terminates');
    assert.equal((await raw(h.admin, { path: crdPath })).code, 200, 'the CRD waits for the CR finalizer');
    await raw(h.admin, { method: 'PATCH', path: `${path}/doomed-2`, contentType: 'application/merge-patch+json', body: { metadata: { finalizers: null } } });
    await until(async () => (await raw(h.admin, { path: crdPath })).code === 404, 2000, 'CRD gone');
    assert.equal((await raw(h.admin, { path })).code, 404, 'resource no longer served');
    await watch.ended;
    const seen = watch.events.map((e) => `${e.type} ${e.object.metadata.name}`).filter((x) => x.includes('doomed'));
    assert.deepEqual(seen, ['DELETED doomed-1', 'MODIFIED doomed-2', 'DELETED doomed-2'], 'watchers saw the cleanup, then their stream ended');
    const groups = await raw(h.admin, { path: '/apis' });
    assert.ok(!groups.body.groups.some((g: { name: string }) => g.name === 'test.example.com'));
    const again = await raw(h.admin, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: widgetCrd() });
    assert.equal(again.code, 201, 'the CRD can be created again');
    await until(async () => (await raw(h.admin, { path })).code === 200, 2000, 'served again');
  });

  it('stores core and events.k8s.io Events and selects them by involved object', async () => {
    const ev = (name: string, obj: string): object => ({
      metadata: { name }, involvedObject: { kind: 'Widget', name: obj, namespace: 'default', apiVersion: 'test.example.com/v1' },
      reason: 'Converged', message: 'ok', type: 'Normal', source: { component: 'nodenet' },
    });
    await raw(h.admin, { method: 'POST', path: '/api/v1/namespaces/default/events', body: ev('e1', 'a') });
    await raw(h.admin, { method: 'POST', path: '/api/v1/namespaces/default/events', body: ev('e2', 'b') });
    const sel = await raw(h.admin, { path: '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Db,source%3Dnodenet' });
    assert.deepEqual(sel.body.items.map((e: { metadata: { name: string } }) => e.metadata.name), ['e2']);
    const v1 = await raw(h.admin, { method: 'POST', path: '/apis/events.k8s.io/v1/namespaces/default/events', body: { metadata: { name: 'e3' }, regarding: { kind: 'Widget', name: 'c' }, reason: 'X', action: 'Y', type: 'Warning', eventTime: '2026-01-01T00:00:00.000000Z', reportingController: 'nodenet', reportingInstance: 'node-a' } });
    assert.equal(v1.code, 201);
    assert.equal(v1.body.apiVersion, 'events.k8s.io/v1');
  });

  it('answers Table and PartialObjectMetadata requests and honours sendInitialEvents', async () => {
    await until(async () => (await raw(h.admin, { path: WIDGETS })).code === 200, 2000, 'widgets served');
    await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('tbl', { nodeName: 'n9', size: 4 }) });
    const table = await raw(h.admin, { path: WIDGETS, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    assert.equal(table.body.kind, 'Table');
    assert.deepEqual(table.body.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Node', 'Size', 'Ready', 'Age']);
    const row = table.body.rows.find((r: { cells: unknown[] }) => r.cells[0] === 'tbl');
    assert.deepEqual(row.cells.slice(0, 4), ['tbl', 'n9', 4, null]);
    assert.equal(row.object.kind, 'PartialObjectMetadata');
    const meta = await raw(h.admin, { path: WIDGETS, accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' });
    assert.equal(meta.body.kind, 'PartialObjectMetadataList');
    assert.equal(meta.body.items[0].spec, undefined);
    const w = rawWatch(h.admin, `${WIDGETS}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`);
    const first = await w.next();
    assert.equal(first.type, 'ADDED');
    const bm = await w.next();
    assert.equal(bm.type, 'BOOKMARK');
    assert.equal(bm.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
    w.close();
    const put = await raw(h.admin, { method: 'PUT', path: WIDGETS, body: widget('x') });
    assert.equal(put.code, 405);
  });
});
