// Kube mode end to end without a kernel: KubeSource + KubeStatusSink + the engine on the fake
// dataplane against the test API server, the agent running as its own user under the shipped
// RBAC rules and admission policy (stand-ins that read deploy/).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setLogSink } from '../../../../../controllers/lib/log.js';
import { hostVethName } from '../../../../../controllers/model/names.js';
import { raw, rawWatch } from '../../../../kubeapi/index.js';
import { AGENT_SA, enforceDeployPolicy, type EnforcedPolicy } from '../../../../helpers/kube-policy.js';
import { keyOfObj, kubeExamples, nodeReady, pathOf, readyOf, startKubeWorld, statusFor, until, type KubeWorld, type Obj } from '../../../../helpers/kube.js';
import { startKubeEngine, type KubeEngine } from '../../../../helpers/kube-engine.js';

const F = 'node.nodenet.io/node-a';
const logs: string[] = [];

describe('kube source + status sink + engine (fake dataplane)', () => {
  let w: KubeWorld;
  let policy: EnforcedPolicy;
  let e: KubeEngine;
  let restoreLog: ReturnType<typeof setLogSink>;
  const hostLinks = (): string[] => e.dp.snapshot()['']!.links.map((l) => l.name);
  const namespaces = (): string[] => Object.keys(e.dp.snapshot()).filter((k) => k !== '');
  const events = async (name: string, namespace = 'default'): Promise<string[]> => {
    const r = await raw(w.admin, { path: `/api/v1/namespaces/${namespace}/events?fieldSelector=involvedObject.name=${name}` });
    return (r.body.items as { type: string; reason: string; message: string }[]).map((x) => `${x.type} ${x.reason}: ${x.message}`);
  };

  before(async () => {
    restoreLog = setLogSink((l) => logs.push(l));
    w = await startKubeWorld();
    policy = enforceDeployPolicy(w.server, { 'agent-node-a': { username: AGENT_SA, node: 'node-a' }, 'agent-node-b': { username: AGENT_SA, node: 'node-b' }, 'agent-no-claim': { username: AGENT_SA } });
    await w.node('node-a', { zone: 'a' });
    for (const o of kubeExamples()) await w.create(o);
    // A periodic dead-node sweep too: a node may die while an object waits for it.
    e = await startKubeEngine({ world: w, node: 'node-a', user: 'agent-node-a', source: { orphanSweepMs: 1000 } });
  });
  after(async () => {
    await e?.stop();
    policy?.stop();
    await w?.stop();
    setLogSink(restoreLog);
  });

  it('converges the shipped examples: finalizers first, then the kernel, then status with observedGeneration', async () => {
    const all = async (): Promise<Obj[]> => [...(await w.list('Network')), ...(await w.list('Sandbox')), ...(await w.list('Attachment'))];
    await until(async () => (await all()).every((o) => nodeReady(o, 'node-a')), 'all Ready');
    for (const o of await all()) {
      assert.deepEqual(o.metadata.finalizers, [F], keyOfObj(o));
      assert.equal(statusFor(o, 'node-a')!.observedGeneration, o.metadata.generation, keyOfObj(o));
    }
    assert.ok(hostLinks().includes('nn-frontend') && hostLinks().includes('nn-backend'));
    assert.deepEqual(namespaces().sort(), ['/run/netns/db-1', '/run/netns/web-1', '/run/netns/web-2']);
    const web1 = (await w.get('Attachment', 'web-1-frontend'))!;
    assert.equal(web1.status.nodeName, 'node-a');
    assert.match(web1.status.ipv4Address, /^10\.88\.0\.\d+\/24$/);
    const net = (await w.get('Network', 'frontend'))!;
    assert.deepEqual([net.status.nodeCount, net.status.readyNodes, readyOf(net)], [1, 1, 'True:Converged']);
    assert.deepEqual(policy.refused, [], 'the shipped ClusterRole covers every request');
    assert.deepEqual(policy.denied, [], 'the shipped admission policy allows everything node-a does');
  });

  it('puts the finalizer on before realizing anything: a refused finalizer keeps the object out of the kernel', async () => {
    w.server.failNext({ verb: 'patch', resource: 'sandboxes', name: 'gated', code: 403, count: 1000 });
    await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name: 'gated', namespace: 'default' }, spec: { nodeName: 'node-a' } });
    await until(async () => (await events('gated')).some((x) => x.startsWith('Warning FinalizerRefused')), 'FinalizerRefused event');
    await e.settled();
    assert.ok(!namespaces().includes('/run/netns/gated'), 'not realized without the finalizer');
    assert.equal((await w.get('Sandbox', 'gated'))!.status, undefined);
    w.server.clearFaults();
    await w.patch('Sandbox', 'gated', { metadata: { labels: { poke: 'yes' } } });
    await until(async () => nodeReady(await w.get('Sandbox', 'gated'), 'node-a'), 'gated Ready');
    assert.deepEqual((await w.get('Sandbox', 'gated'))!.metadata.finalizers, [F]);
    assert.ok(namespaces().includes('/run/netns/gated'));
  });

  it('deleting: the kernel objects go first, then the finalizer, then the object', async () => {
    const key = 'Attachment/default/web-2-frontend';
    const watch = rawWatch(w.admin, `${pathOf('Attachment')}?watch=true&fieldSelector=metadata.name=web-2-frontend&resourceVersion=${w.server.resourceVersion()}`);
    try {
      await until(async () => nodeReady(await w.get('Attachment', 'web-2-frontend'), 'node-a') && hostLinks().includes(hostVethName(key)), 'web-2-frontend realized');
      assert.equal(await w.remove('Attachment', 'web-2-frontend'), 200);
      const seen: string[] = [];
      for (;;) {
        const ev = await watch.next(10_000);
        seen.push(`${ev.type}${ev.object.metadata.deletionTimestamp ? ' deleting' : ''}`);
        if (ev.type === 'DELETED') break;
        if (ev.object.metadata.deletionTimestamp) assert.deepEqual(ev.object.metadata.finalizers, [F], 'held by node-a until it tore down');
      }
      assert.ok(!hostLinks().includes(hostVethName(key)), 'the veth was gone when the object disappeared');
      assert.equal(seen[0], 'MODIFIED deleting');
    } finally {
      watch.close();
    }
    await until(async () => (await events('web-2-frontend')).some((x) => x === 'Normal Released: node node-a removed its kernel objects'), 'Released event');
    assert.equal(await w.remove('Sandbox', 'web-2'), 200);
    await until(async () => (await w.get('Sandbox', 'web-2')) === undefined, 'sandbox gone');
    assert.ok(!namespaces().includes('/run/netns/web-2'));
  });

  it('pauses kernel work while a watch is down and resumes after reconnecting', async () => {
    await e.settled();
    logs.length = 0;
    w.server.failNext({ verb: 'watch', code: 500, count: 100_000 });
    w.server.dropWatches({ abrupt: true });
    await until(() => logs.some((l) => l.includes('"kernel work paused"')), 'paused');
    e.dp.outOfBand(undefined, [{ op: 'link.del', ref: { name: 'nn-backend' } }]);
    const ops = e.dp.opCount();
    e.agent.enqueueAll();
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(!hostLinks().includes('nn-backend'), 'drift not repaired while disconnected');
    assert.equal(e.dp.opCount(), ops, 'no kernel op while disconnected');
    w.server.clearFaults();
    await until(() => logs.some((l) => l.includes('"kernel work resumed"')), 'resumed', 20_000);
    await until(() => hostLinks().includes('nn-backend'), 'repaired after resuming');
    const paused = logs.findIndex((l) => l.includes('"kernel work paused"'));
    const resumed = logs.findIndex((l) => l.includes('"kernel work resumed"'));
    assert.deepEqual(logs.slice(paused, resumed).filter((l) => l.includes('"kernel change"')), [], 'nothing logged as a kernel change while paused');
    assert.ok(logs.slice(resumed).some((l) => l.includes('"kernel change"') && l.includes('nn-backend')), 'the repair came after resuming');
  });

  it('relists after 410 Gone and picks up what happened while it was away', async () => {
    await e.settled();
    const lists = w.server.countRequests({ verb: 'list', resource: 'sandboxes' });
    w.server.failNext({ verb: 'watch', resource: 'sandboxes', delayMs: 800 });
    w.server.dropWatches();
    await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name: 'late', namespace: 'default' }, spec: { nodeName: 'node-a' } });
    w.server.compact();
    await until(async () => nodeReady(await w.get('Sandbox', 'late'), 'node-a'), 'late Ready');
    assert.ok(w.server.countRequests({ verb: 'list', resource: 'sandboxes' }) > lists, 'relisted');
    assert.ok(namespaces().includes('/run/netns/late'));
  });

  it('tenancy: an attachment joins only networks that allow its namespace (NamespaceNotAllowed + Event otherwise)', async () => {
    for (const ns of ['team-a', 'team-b']) {
      await w.namespace(ns);
      await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name: 's', namespace: ns }, spec: { nodeName: 'node-a', netns: { name: `s-${ns}` } } });
    }
    await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Network', metadata: { name: 'tenant' }, spec: { allowedNamespaces: ['team-a'], ipam: { ipv4: { subnet: '10.77.0.0/24' } } } });
    for (const ns of ['team-a', 'team-b']) await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Attachment', metadata: { name: 'x', namespace: ns }, spec: { sandbox: 's', network: 'tenant' } });
    await until(async () => readyOf(await w.get('Attachment', 'x', 'team-b')) === 'False:NamespaceNotAllowed' && nodeReady(await w.get('Attachment', 'x', 'team-a'), 'node-a'), 'a Ready, b refused');
    const b = (await w.get('Attachment', 'x', 'team-b'))!;
    assert.match(b.status.conditions[0].message, /namespace team-b may not join Network tenant \(allowedNamespaces: team-a\)/);
    assert.equal(b.metadata.finalizers, undefined, 'never realized: no finalizer');
    assert.ok(!hostLinks().includes(hostVethName('Attachment/team-b/x')));
    assert.ok(hostLinks().includes(hostVethName('Attachment/team-a/x')));
    await until(async () => (await events('x', 'team-b')).some((x) => x.startsWith('Warning NamespaceNotAllowed: namespace team-b may not join Network tenant')), 'NamespaceNotAllowed event');

    await w.patch('Network', 'tenant', { spec: { allowedNamespaces: ['team-b'] } });
    await until(async () => nodeReady(await w.get('Attachment', 'x', 'team-b'), 'node-a') && readyOf(await w.get('Attachment', 'x', 'team-a')) === 'False:NamespaceNotAllowed', 'b Ready, a refused');
    await e.settled();
    assert.ok(!hostLinks().includes(hostVethName('Attachment/team-a/x')), 'a torn down when its namespace was dropped');
    await until(async () => ((await w.get('Attachment', 'x', 'team-a'))!.metadata.finalizers ?? []).length === 0, 'a\'s finalizer released');
  });

  it('the admission policy keeps an agent to its own node', async () => {
    const asB = w.server.rawTarget('agent-node-b');
    const sb = (await w.get('Sandbox', 'web-1'))!;
    const put = (target: typeof asB, kind: 'Sandbox' | 'Network' | 'Attachment', o: Obj): ReturnType<typeof raw> =>
      raw(target, { method: 'PUT', path: `${pathOf(kind, o.metadata.name, o.metadata.namespace)}/status`, body: o });
    assert.equal((await put(asB, 'Sandbox', { ...sb, status: { conditions: [] } })).code, 403, 'node-b may not write node-a\'s sandbox status');
    const net = (await w.get('Network', 'frontend'))!;
    const forged = structuredClone(net);
    forged.status.nodes[0].allocated = 99;
    assert.equal((await put(asB, 'Network', forged)).code, 403, 'nor node-a\'s entry of a network');
    const own = structuredClone(net);
    own.status.nodes.push({ node: 'node-b', conditions: [] });
    own.status.nodeCount = 2;
    own.status.conditions = own.status.conditions.map((c: { type: string }) => (c.type === 'Ready' ? { ...c, status: 'False', reason: 'NodesNotReady' } : c));
    assert.equal((await put(asB, 'Network', own)).code, 200, 'its own entry with a consistent summary is fine');
    const lie = structuredClone((await w.get('Network', 'frontend'))!);
    lie.status.readyNodes = 2;
    assert.equal((await put(asB, 'Network', lie)).code, 403, 'a summary that disagrees with the entries is refused');
    const att = (await w.get('Attachment', 'web-1-frontend'))!;
    assert.equal((await put(asB, 'Attachment', { ...att, status: { ...att.status, nodeName: 'node-b' } })).code, 403, 'node-a\'s claim on an attachment holds');
    const patch = (target: typeof asB, body: unknown): ReturnType<typeof raw> =>
      raw(target, { method: 'PATCH', path: pathOf('Sandbox', 'web-1'), contentType: 'application/merge-patch+json', body });
    assert.equal((await patch(asB, { metadata: { finalizers: [F, 'node.nodenet.io/node-a-2'] } })).code, 403, 'no other node\'s finalizer');
    assert.equal((await patch(asB, { metadata: { finalizers: [] } })).code, 403, 'no removing node-a\'s finalizer from a live object');
    assert.equal((await patch(asB, { spec: { hostname: 'evil' } })).code, 403, 'no spec changes');
    assert.equal((await patch(asB, { metadata: { finalizers: [F, 'node.nodenet.io/node-b'] } })).code, 200, 'its own finalizer is fine');
    assert.equal((await patch(asB, { metadata: { finalizers: [F] } })).code, 200, 'and taking it off again');
    const noClaim = w.server.rawTarget('agent-no-claim');
    assert.equal((await patch(noClaim, { metadata: { finalizers: [F, 'node.nodenet.io/x'] } })).code, 403, 'a token without the node claim is refused');
    // Undo node-b's entry as node-b.
    const back = structuredClone((await w.get('Network', 'frontend'))!);
    back.status.nodes = back.status.nodes.filter((x: { node: string }) => x.node !== 'node-b');
    back.status.nodeCount = 1;
    back.status.conditions = net.status.conditions;
    assert.equal((await put(asB, 'Network', back)).code, 200);
  });

  it('a dead node does not block deletion: its finalizer is removed, a live node\'s is kept', async () => {
    await w.node('node-b', { zone: 'b' });
    await w.create({
      apiVersion: 'nodenet.io/v1alpha1', kind: 'Network',
      metadata: { name: 'legacy', finalizers: ['node.nodenet.io/ghost', 'node.nodenet.io/node-b'] },
      spec: { nodeSelector: { zone: 'b' }, ipam: { ipv4: { subnet: '10.78.0.0/24' } } },
    });
    assert.equal(await w.remove('Network', 'legacy'), 200);
    await until(async () => JSON.stringify((await w.get('Network', 'legacy'))?.metadata.finalizers) === '["node.nodenet.io/node-b"]', 'ghost removed');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual((await w.get('Network', 'legacy'))!.metadata.finalizers, ['node.nodenet.io/node-b'], 'node-b exists: its finalizer stays');
    await w.deleteNode('node-b');
    await until(async () => (await w.get('Network', 'legacy')) === undefined, 'legacy gone once node-b is gone');
    assert.deepEqual(policy.denied.filter((d) => d.startsWith('agent-node-a')), [], 'the sweep is within the policy');
  });
});
