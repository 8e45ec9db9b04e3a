// Watch semantics: replay from a resourceVersion, selectors (objects leaving/entering a selection),
// bookmarks, 410 on compacted resourceVersions, dropWatches, timeoutSeconds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { raw, rawWatch } from '../../kubeapi/index.js';
import { widget, withWidgets, type Harness } from './fixtures.js';

const merge = 'application/merge-patch+json';

describe('kubeapi watch', () => {
  let h: Harness;
  before(async () => {
    h = await withWidgets({ bookmarkIntervalMs: 100 });
    await raw(h.admin, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'w' } } });
  });
  after(async () => {
    await h.server.stop();
  });
  const path = '/apis/test.example.com/v1/namespaces/w/widgets';

  it('replays events after a resourceVersion, in order, then streams live ones', async () => {
    const start = await raw(h.admin, { path });
    const rv = start.body.metadata.resourceVersion;
    await raw(h.admin, { method: 'POST', path, body: widget('a') });
    await raw(h.admin, { method: 'PATCH', path: `${path}/a`, contentType: merge, body: { spec: { size: 2 } } });
    await raw(h.admin, { method: 'POST', path: '/api/v1/nodes', body: { metadata: { name: 'other-resource' } } });
    await raw(h.admin, { method: 'DELETE', path: `${path}/a` });
    const w = rawWatch(h.admin, `${path}?watch=1&resourceVersion=${rv}`);
    const got = [await w.next(), await w.next(), await w.next()];
    assert.deepEqual(got.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    assert.equal(got[1]!.object.spec.size, 2);
    const rvs = got.map((e) => Number(e.object.metadata.resourceVersion));
    assert.ok(rvs[0]! > Number(rv) && rvs[1]! > rvs[0]! && rvs[2]! > rvs[1]!, `increasing ${rvs.join(',')}`);
    assert.equal(rvs[2]! - rvs[1]!, 2, 'the node write in between took one resourceVersion');
    await raw(h.admin, { method: 'POST', path, body: widget('b') });
    const live = await w.next();
    assert.equal(live.type, 'ADDED');
    assert.equal(live.object.metadata.name, 'b');
    assert.equal(live.object.apiVersion, 'test.example.com/v1');
    w.close();
  });

  it('starts with synthetic ADDED events for the current state when no resourceVersion is given', async () => {
    const w = rawWatch(h.admin, `${path}?watch=true`);
    const first = await w.next();
    assert.equal(first.type, 'ADDED');
    assert.equal(first.object.metadata.name, 'b');
    w.close();
  });

  it('applies label and field selectors, turning objects that leave or enter the selection into DELETED/ADDED', async () => {
    const list = await raw(h.admin, { path });
    const rv = list.body.metadata.resourceVersion;
    const lw = rawWatch(h.admin, `${path}?watch=1&resourceVersion=${rv}&labelSelector=${encodeURIComponent('tier in (web,db),!legacy')}`);
    const fw = rawWatch(h.admin, `${path}?watch=1&resourceVersion=${rv}&fieldSelector=spec.nodeName%3Dnode-x`);
    await raw(h.admin, { method: 'POST', path, body: widget('sel', { nodeName: 'node-x' }, { tier: 'web' }) });
    await raw(h.admin, { method: 'POST', path, body: widget('other', { nodeName: 'node-y' }, { tier: 'cache' }) });
    await raw(h.admin, { method: 'PATCH', path: `${path}/sel`, contentType: merge, body: { metadata: { labels: { legacy: 'yes' } } } });
    await raw(h.admin, { method: 'PATCH', path: `${path}/other`, contentType: merge, body: { metadata: { labels: { tier: 'db' } } } });
    const l = [await lw.next(), await lw.next(), await lw.next()];
    assert.deepEqual(l.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED sel', 'DELETED sel', 'ADDED other']);
    assert.equal(l[1]!.object.metadata.labels.legacy, undefined, 'DELETED carries the last state that matched');
    assert.ok(Number(l[1]!.object.metadata.resourceVersion) > Number(l[0]!.object.metadata.resourceVersion), '... at the new resourceVersion');
    const f = [await fw.next(), await fw.next()];
    assert.deepEqual(f.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED sel', 'MODIFIED sel']);
    const lateFw = await fw.next(300).catch(() => undefined);
    assert.equal(lateFw, undefined, 'node-y widget never reaches the field-selected watch');
    lw.close();
    fw.close();
    const bad = await raw(h.admin, { path: `${path}?watch=1&fieldSelector=spec.size%3D1` });
    assert.equal(bad.code, 400);
    assert.match(bad.body.message, /field label not supported: spec.size/);
  });

  it('lists with label and field selectors, including set-based and existence requirements', async () => {
    const names = async (q: string): Promise<string[]> => (await raw(h.admin, { path: `${path}?${q}` })).body.items.map((o: { metadata: { name: string } }) => o.metadata.name);
    assert.deepEqual(await names(`labelSelector=${encodeURIComponent('tier=web')}`), ['sel']);
    assert.deepEqual(await names(`labelSelector=${encodeURIComponent('tier==db')}`), ['other']);
    assert.deepEqual(await names(`labelSelector=${encodeURIComponent('tier!=web,tier')}`), ['other']);
    assert.deepEqual(await names(`labelSelector=${encodeURIComponent('tier notin (web)')}`), ['b', 'other']);
    assert.deepEqual(await names(`labelSelector=legacy`), ['sel']);
    assert.deepEqual(await names(`labelSelector=${encodeURIComponent('!legacy')}`), ['b', 'other']);
    assert.deepEqual(await names(`fieldSelector=${encodeURIComponent('spec.nodeName!=node-x,metadata.name!=b')}`), ['other']);
    assert.deepEqual(await names(`fieldSelector=${encodeURIComponent('metadata.namespace=w,metadata.name=sel')}`), ['sel']);
    const bad = await raw(h.admin, { path: `${path}?labelSelector=${encodeURIComponent('a in (')}` });
    assert.equal(bad.code, 400);
  });

  it('sends BOOKMARK events with the current resourceVersion when allowed, and only then', async () => {
    const rv = (await raw(h.admin, { path })).body.metadata.resourceVersion;
    const bw = rawWatch(h.admin, `${path}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    const plain = rawWatch(h.admin, `${path}?watch=1&resourceVersion=${rv}`);
    await raw(h.admin, { method: 'POST', path: '/api/v1/nodes', body: { metadata: { name: 'bump' } } });
    let e = await bw.next(2000);
    while (e.type === 'BOOKMARK' && Number(e.object.metadata.resourceVersion) <= Number(rv)) e = await bw.next(2000);
    assert.equal(e.type, 'BOOKMARK');
    assert.equal(e.object.kind, 'Widget');
    assert.equal(e.object.apiVersion, 'test.example.com/v1');
    assert.ok(Number(e.object.metadata.resourceVersion) > Number(rv), 'bookmark moves past writes to other resources');
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(plain.events.length, 0, 'no bookmarks without allowWatchBookmarks');
    bw.close();
    plain.close();
  });

  it('answers a watch from a compacted resourceVersion with an ERROR 410 event, and resumes fine from a fresh one', async () => {
    const old = (await raw(h.admin, { path })).body.metadata.resourceVersion;
    await raw(h.admin, { method: 'PATCH', path: `${path}/b`, contentType: merge, body: { spec: { size: 7 } } });
    h.server.compact();
    const w = rawWatch(h.admin, `${path}?watch=1&resourceVersion=${old}`);
    assert.equal(await w.code, 200, 'the watch itself is accepted, like the apiserver does');
    const e = await w.next();
    assert.equal(e.type, 'ERROR');
    assert.deepEqual({ kind: e.object.kind, code: e.object.code, reason: e.object.reason }, { kind: 'Status', code: 410, reason: 'Expired' });
    assert.match(e.object.message, /too old resource version/);
    await w.ended;
    const fresh = (await raw(h.admin, { path })).body.metadata.resourceVersion;
    const ok = rawWatch(h.admin, `${path}?watch=1&resourceVersion=${fresh}`);
    await raw(h.admin, { method: 'PATCH', path: `${path}/b`, contentType: merge, body: { spec: { size: 8 } } });
    assert.equal((await ok.next()).type, 'MODIFIED');
    ok.close();
  });

  it('forgets events beyond its window, so old resourceVersions expire without an explicit compact', async () => {
    const small = await withWidgets({ eventWindow: 5 });
    try {
      const rv = small.server.resourceVersion();
      for (let i = 0; i < 6; i++) await raw(small.admin, { method: 'POST', path: '/api/v1/nodes', body: { metadata: { name: `n${i}` } } });
      const w = rawWatch(small.admin, `/api/v1/nodes?watch=1&resourceVersion=${rv}`);
      assert.equal((await w.next()).type, 'ERROR');
      const recent = rawWatch(small.admin, `/api/v1/nodes?watch=1&resourceVersion=${small.server.resourceVersion() - 2}`);
      assert.deepEqual([(await recent.next()).object.metadata.name, (await recent.next()).object.metadata.name], ['n4', 'n5']);
      recent.close();
    } finally {
      await small.server.stop();
    }
  });

  it('dropWatches ends every open watch; timeoutSeconds ends one', async () => {
    const a = rawWatch(h.admin, `${path}?watch=1`);
    const b = rawWatch(h.admin, `/api/v1/nodes?watch=1`);
    await a.next();
    await b.next();
    assert.equal(h.server.openWatches(), 2);
    assert.equal(h.server.dropWatches(), 2);
    await Promise.all([a.ended, b.ended]);
    assert.equal(h.server.openWatches(), 0);
    const t0 = Date.now();
    const t = rawWatch(h.admin, `${path}?watch=1&resourceVersion=${h.server.resourceVersion()}&timeoutSeconds=1`);
    await t.ended;
    const took = Date.now() - t0;
    assert.ok(took >= 900 && took < 2500, `timeout after ${took} ms`);
    const c = rawWatch(h.admin, `${path}?watch=1&resourceVersion=${h.server.resourceVersion()}`);
    await c.code;
    assert.equal(h.server.dropWatches({ abrupt: true }), 1);
    await c.ended;
  });
});
