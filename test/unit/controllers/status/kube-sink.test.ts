// KubeStatusSink against the test API server: the status subresource layout of each kind, the
// per-node entries of a Network under heavy concurrent writing (no report lost), retries of
// failed writes, what a removed report erases, restart loading, and Events on Ready flips.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../../../api/v1alpha1/types.js';
import { KubeApi } from '../../../../controllers/source/kube/api.js';
import { EventRecorder } from '../../../../controllers/source/kube/events.js';
import { KubeStatusSink, type ClusterView } from '../../../../controllers/status/kube-sink.js';
import type { StatusRecord } from '../../../../controllers/status/record.js';
import { raw } from '../../../kubeapi/index.js';
import { startKubeWorld, type KubeWorld } from '../../../helpers/kube.js';

const NET = { apiVersion: 'nodenet.io/v1alpha1', kind: 'Network', metadata: { name: 'shared' }, spec: { ipam: { ipv4: { subnet: '10.70.0.0/24' } } } };
const SB = { apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name: 'sb', namespace: 'default' }, spec: { nodeName: 'node-a' } };
const ATT = { apiVersion: 'nodenet.io/v1alpha1', kind: 'Attachment', metadata: { name: 'att', namespace: 'default' }, spec: { sandbox: 'sb', network: 'shared' } };

function cond(type: string, ok: boolean, reason = ok ? 'Converged' : 'Conflict'): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message: ok ? '' : 'bridge taken', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 };
}

function rec(kind: StatusRecord['kind'], name: string, status: Record<string, unknown>, namespace?: string): StatusRecord {
  return { kind, name, ...(namespace ? { namespace } : {}), generation: 1, status, updatedAt: '' };
}

const view = (mine: Set<string>, problems = new Set<string>()): ClusterView => ({ isMine: (k) => mine.has(k), hasProblem: (k) => problems.has(k) });

describe('KubeStatusSink', () => {
  let w: KubeWorld;
  let api: KubeApi;
  before(async () => {
    w = await startKubeWorld();
    api = new KubeApi(w.server.kubeConfig());
    await w.create(NET);
    await w.create(SB);
    await w.create(ATT);
  });
  after(async () => {
    await w.stop();
  });

  it('50 concurrent writers (one per node) on one Network lose no report; the summary agrees with the entries', async () => {
    const nodes = Array.from({ length: 50 }, (_, i) => `node-${String(i).padStart(2, '0')}`);
    const sinks = nodes.map((node) => new KubeStatusSink({ api, node, view: view(new Set(['Network/shared'])) }));
    w.server.resetRequests();
    const round = async (ready: (i: number) => boolean): Promise<void> => {
      await Promise.all(
        sinks.map((s, i) =>
          s.write('Network/shared', rec('Network', 'shared', { observedGeneration: 1, conditions: [cond('Ready', ready(i))], bridge: 'nn-shared', allocated: i })),
        ),
      );
      await Promise.all(sinks.map((s) => s.idle()));
    };
    await round((i) => i % 7 !== 0);
    let net = (await w.get('Network', 'shared'))!;
    assert.equal(net.status.nodes.length, 50);
    assert.deepEqual(net.status.nodes.map((e: { node: string; allocated: number }) => [e.node, e.allocated]), nodes.map((n, i) => [n, i]));
    assert.equal(net.status.nodeCount, 50);
    const notReady = nodes.filter((_, i) => i % 7 === 0).length;
    assert.equal(net.status.readyNodes, 50 - notReady);
    const ready = net.status.conditions.find((c: Condition) => c.type === 'Ready');
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'NodesNotReady');
    assert.match(ready.message, new RegExp(`^${50 - notReady} of 50 nodes ready; node-00: Conflict \\(bridge taken\\)`));
    const conflicts = w.server.requests({ verb: 'update', resource: 'networks', subresource: 'status' }).filter((r) => r.code === 409).length;
    assert.ok(conflicts > 0, 'the writers really raced (409s seen and retried)');
    assert.equal(sinks.reduce((n, s) => n + s.conflicts, 0), conflicts);
    console.log(`# 50 writers: ${w.server.requests({ verb: 'update', subresource: 'status' }).filter((r) => r.code === 200).length} accepted PUTs, ${conflicts} conflicts retried`);

    await round(() => true);
    net = (await w.get('Network', 'shared'))!;
    assert.equal(net.status.readyNodes, 50);
    assert.equal(net.status.conditions.find((c: Condition) => c.type === 'Ready').status, 'True');
    assert.equal(net.status.observedGeneration, 1);
  });

  it('writes Sandbox status as is and claims Attachments with status.nodeName; unchanged status is not written again', async () => {
    const sink = new KubeStatusSink({ api, node: 'node-a', view: view(new Set()) });
    await sink.write('Sandbox/default/sb', rec('Sandbox', 'sb', { observedGeneration: 1, conditions: [cond('Ready', true)], netnsPath: '/run/netns/sb' }, 'default'));
    await sink.write('Attachment/default/att', rec('Attachment', 'att', { observedGeneration: 1, conditions: [cond('Ready', true)], ipv4Address: '10.70.0.2/24' }, 'default'));
    await sink.idle();
    assert.deepEqual((await w.get('Sandbox', 'sb'))!.status, { observedGeneration: 1, conditions: [cond('Ready', true)], netnsPath: '/run/netns/sb' });
    const att = (await w.get('Attachment', 'att'))!;
    assert.equal(att.status.nodeName, 'node-a');
    assert.equal(att.status.ipv4Address, '10.70.0.2/24');
    const puts = w.server.countRequests({ verb: 'update', subresource: 'status' });
    await sink.write('Attachment/default/att', rec('Attachment', 'att', { observedGeneration: 1, conditions: [cond('Ready', true)], ipv4Address: '10.70.0.2/24' }, 'default'));
    await sink.idle();
    assert.equal(w.server.countRequests({ verb: 'update', subresource: 'status' }), puts, 'same content: read, compared, not written');
  });

  it('retries a write the server refused (500) until it lands', async () => {
    const sink = new KubeStatusSink({ api, node: 'node-a', view: view(new Set()) });
    w.server.failNext({ verb: 'update', resource: 'sandboxes', subresource: 'status', code: 500, count: 2 });
    await sink.write('Sandbox/default/sb', rec('Sandbox', 'sb', { observedGeneration: 1, conditions: [cond('Ready', false)] }, 'default'));
    await sink.idle();
    assert.equal((await w.get('Sandbox', 'sb'))!.status.conditions[0].status, 'False');
    assert.equal(w.server.requests({ verb: 'update', resource: 'sandboxes', subresource: 'status' }).filter((r) => r.code === 500).length, 2);
  });

  it('a removed report erases only what is no longer this node\'s, and never a report the source owns', async () => {
    const mine = new Set(['Network/shared', 'Attachment/default/att']);
    const problems = new Set<string>();
    const sink = new KubeStatusSink({ api, node: 'node-05', view: view(mine, problems) });
    await sink.remove('Network/shared', undefined);
    await sink.idle();
    assert.ok((await w.get('Network', 'shared'))!.status.nodes.some((e: { node: string }) => e.node === 'node-05'), 'still selected: kept');
    mine.delete('Network/shared');
    problems.add('Network/shared');
    await sink.remove('Network/shared', undefined);
    await sink.idle();
    assert.ok((await w.get('Network', 'shared'))!.status.nodes.some((e: { node: string }) => e.node === 'node-05'), 'a source-owned report: kept');
    problems.delete('Network/shared');
    await sink.remove('Network/shared', undefined);
    await sink.idle();
    const net = (await w.get('Network', 'shared'))!;
    assert.equal(net.status.nodes.length, 49);
    assert.equal(net.status.nodeCount, 49);
    assert.ok(!net.status.nodes.some((e: { node: string }) => e.node === 'node-05'));

    const a = new KubeStatusSink({ api, node: 'node-a', view: view(new Set()) });
    const other = new KubeStatusSink({ api, node: 'node-b', view: view(new Set()) });
    await other.remove('Attachment/default/att', undefined);
    await other.idle();
    assert.equal((await w.get('Attachment', 'att'))!.status.nodeName, 'node-a', 'another node cannot release node-a\'s claim');
    await a.remove('Attachment/default/att', undefined);
    await a.idle();
    assert.deepEqual((await w.get('Attachment', 'att'))!.status ?? {}, {}, 'the claimant released it');
  });

  it('load() returns this node\'s reports (its Network entry without the node field), not source-owned ones', async () => {
    const sink = new KubeStatusSink({ api, node: 'node-a', view: view(new Set()) });
    await sink.write('Sandbox/default/sb', rec('Sandbox', 'sb', { observedGeneration: 1, conditions: [cond('Ready', true)] }, 'default'));
    await sink.idle();
    const n7 = new KubeStatusSink({ api, node: 'node-07', view: view(new Set()) });
    const loaded = await n7.load();
    assert.deepEqual(loaded.map((r) => `${r.kind}/${r.name}`), ['Network/shared']);
    assert.equal(loaded[0]!.status.node, undefined);
    assert.equal(loaded[0]!.status.allocated, 7);
    assert.ok(loaded[0]!.specHash, 'observed generation is current: the spec hash is known');
    const a = await sink.load();
    assert.deepEqual(a.map((r) => `${r.kind}/${r.name}`), ['Sandbox/sb']);
    sink.reportProblem('Sandbox/default/sb', (await w.get('Sandbox', 'sb'))! as never, 'InvalidSpec', 'spec.netns.path: nope');
    await sink.idle();
    assert.deepEqual(await sink.load(), [], 'InvalidSpec is the source\'s report: not loaded');
  });

  it('records an Event when Ready flips or its reason changes, with repeats counted on one Event', async () => {
    const events = new EventRecorder({ api, node: 'node-a' });
    const sink = new KubeStatusSink({ api, node: 'node-a', view: view(new Set()), events });
    const sb = (await w.get('Sandbox', 'sb'))!;
    for (const [ok, reason] of [[true, 'Converged'], [false, 'NetnsNotFound'], [false, 'NetnsNotFound'], [false, 'Conflict'], [true, 'Converged']] as const) {
      await sink.write('Sandbox/default/sb', rec('Sandbox', 'sb', { observedGeneration: 1, conditions: [{ ...cond('Ready', ok, reason), message: ok ? '' : reason }] }, 'default'));
      await sink.idle();
    }
    const degraded = { ...cond('Degraded', true, 'DnsFallback'), message: 'only loopback resolvers' };
    for (let i = 0; i < 2; i++) {
      await sink.write('Sandbox/default/sb', rec('Sandbox', 'sb', { observedGeneration: 1 + i, conditions: [cond('Ready', true), degraded] }, 'default'));
      await sink.idle();
    }
    await events.flushed();
    const list = await raw(w.admin, { path: `/api/v1/namespaces/default/events?fieldSelector=involvedObject.uid=${sb.metadata.uid}` });
    const seen = (list.body.items as { reason: string; type: string; count: number }[]).map((e) => `${e.type}/${e.reason}x${e.count}`).sort();
    assert.deepEqual(seen, ['Normal/Readyx2', 'Warning/Conflictx1', 'Warning/DnsFallbackx1', 'Warning/NetnsNotFoundx1']);
  });
});
