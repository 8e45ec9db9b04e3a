// Kube-mode vxlan membership without a kernel: three whole agents in-process (KubeSource + status
// sink + overlay member source + engine on a fake dataplane each), one user per node under the
// shipped RBAC rules and admission policies, against the test API server. A vxlan Network without
// spec.vxlan.peers: each node claims a slice through OverlayMember objects and every node's FDB
// follows the claims through joins, leaves (relabel), a moved VTEP, a deleted Node and the
// Network's deletion.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeDataplane, type FakeDataplane } from '../../../../../controllers/dataplane/fake.js';
import { setLogSink } from '../../../../../controllers/lib/log.js';
import { vxlanDeviceName } from '../../../../../controllers/reconcile/drivers/vxlan-plan.js';
import { AGENT_SA, enforceDeployPolicy, type EnforcedPolicy } from '../../../../helpers/kube-policy.js';
import { startKubeEngine, type KubeEngine } from '../../../../helpers/kube-engine.js';
import { nodeReady, readyOf, statusFor, startKubeWorld, until, type KubeWorld, type Obj } from '../../../../helpers/kube.js';
import { assertDisjoint, claimMap, claimsOf, overlayNetwork, overlayNode, peersOf, vxlanFacts } from '../../../../helpers/kube-overlay.js';

const VX = vxlanDeviceName('Network/ov');
const NODES = { 'node-a': '192.168.100.1', 'node-b': '192.168.100.2', 'node-c': '192.168.100.3' } as const;
type NodeName = keyof typeof NODES;
const ON = { overlay: 'on' };

function underlay(ip: string): FakeDataplane {
  const dp = createFakeDataplane();
  dp.outOfBand(undefined, [
    { op: 'link.add', link: { kind: 'dummy', name: 'eth0', mtu: 1500 } },
    { op: 'link.set', ref: { name: 'eth0' }, up: true },
    { op: 'addr.add', ref: { name: 'eth0' }, family: 4, address: ip, prefixLen: 24 },
  ]);
  return dp;
}

const sandbox = (name: string, node: string): Obj => ({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name, namespace: 'default' }, spec: { nodeName: node } });
const attachment = (sb: string): Obj => ({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Attachment', metadata: { name: `${sb}-ov`, namespace: 'default' }, spec: { sandbox: sb, network: 'ov' } });

describe('kube mode: vxlan members from OverlayMember objects (three in-process agents, fake kernels)', () => {
  let w: KubeWorld;
  let policy: EnforcedPolicy;
  let restoreLog: ReturnType<typeof setLogSink>;
  const logs: string[] = [];
  const engines = {} as Record<NodeName, KubeEngine>;
  const dps = {} as Record<NodeName, FakeDataplane>;
  const start = async (node: NodeName): Promise<void> => {
    engines[node] = await startKubeEngine({ world: w, node, user: `agent-${node}`, dp: dps[node], overlay: { deadNodeSweepMs: 300 } });
  };
  const bum = (node: NodeName): string[] => {
    const host = dps[node].snapshot()['']!;
    const vx = host.links.find((l) => l.name === VX);
    return host.neighs.filter((n) => n.family === 7 && n.index === vx?.index && n.mac === '00:00:00:00:00:00').map((n) => n.dst!).sort();
  };
  const ov = (): Promise<Obj | undefined> => w.get('Network', 'ov');

  before(async () => {
    restoreLog = setLogSink((l) => logs.push(l));
    w = await startKubeWorld();
    policy = enforceDeployPolicy(w.server, Object.fromEntries(Object.keys(NODES).map((n) => [`agent-${n}`, { username: AGENT_SA, node: n }])));
    for (const [node, ip] of Object.entries(NODES)) {
      await overlayNode(w, node, ip, ON);
      dps[node as NodeName] = underlay(ip);
    }
    await w.create(overlayNetwork('ov', { vni: 42, subnet: '10.200.0.0/16', sliceSize: 24, nodeSelector: ON }));
    for (const [sb, node] of [['sa', 'node-a'], ['sb', 'node-b'], ['sc', 'node-c']] as const) {
      await w.create(sandbox(sb, node));
      await w.create(attachment(sb));
    }
    await Promise.all((Object.keys(NODES) as NodeName[]).map(start));
  });
  after(async () => {
    for (const e of Object.values(engines)) await e.stop();
    policy?.stop();
    await w?.stop();
    setLogSink(restoreLog);
    if (process.env.DUMP_LOGS) for (const l of logs) if (/overlay|"warn"|slice/.test(l)) console.log(l);
  });

  it('every node claims its own slice and reaches the other two; addresses come from the node\'s slice', async () => {
    const net = await until(async () => {
      const n = await ov();
      return n?.status?.readyNodes === 3 && Object.keys(NODES).every((node) => peersOf(n, node).length === 2) ? n : undefined;
    }, 'three nodes Ready with two peers each', 20_000);
    const claims = await claimsOf(w, 'ov');
    assertDisjoint(claims);
    assert.equal(claims.length, 3);
    const nodeUid = async (name: string): Promise<string> => ((await w.server.object('nodes', name)) as { metadata: { uid: string } }).metadata.uid;
    for (const c of claims) {
      assert.equal(c.metadata.name, `ov.${c.spec.slice}`);
      assert.equal(c.spec.vtep, NODES[c.spec.node as NodeName], 'VTEP = the Node\'s InternalIP');
      assert.deepEqual(c.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: c.spec.node, uid: await nodeUid(c.spec.node) }]);
      assert.deepEqual(vxlanFacts(net, c.spec.node)!.slices, c.spec.subnets, 'the node uses the slice it claimed');
    }
    for (const node of Object.keys(NODES) as NodeName[]) {
      const others = (Object.keys(NODES) as NodeName[]).filter((n) => n !== node);
      assert.deepEqual(peersOf(net, node), others.map((n) => `${n}@${NODES[n]}`).sort());
      assert.deepEqual(bum(node), others.map((n) => NODES[n]).sort(), `${node}: one BUM entry per peer`);
    }
    for (const sb of ['sa', 'sb', 'sc']) {
      const a = (await w.get('Attachment', `${sb}-ov`))!;
      const node = a.status.nodeName as string;
      const slice = claims.find((c) => c.spec.node === node)!.spec.subnets![0]!;
      assert.equal(a.status.ipv4Address.split('.').slice(0, 3).join('.'), slice.split('.').slice(0, 3).join('.'), `${sb} allocated from ${node}'s slice ${slice}`);
    }
  });

  it('a node whose labels stop matching leaves: its claim goes, every other node drops it; back again, it reclaims its slice', async () => {
    const before = claimMap(await claimsOf(w, 'ov'));
    await w.node('node-c', { overlay: 'off' });
    await until(async () => !('node-c' in claimMap(await claimsOf(w, 'ov'))), 'node-c released its slice');
    const net = await until(async () => {
      const n = await ov();
      return ['node-a', 'node-b'].every((x) => peersOf(n, x).length === 1) && !(n?.metadata.finalizers ?? []).includes('node.nodenet.io/node-c') ? n : undefined;
    }, 'node-a and node-b dropped node-c');
    assert.deepEqual(peersOf(net, 'node-a'), ['node-b@192.168.100.2']);
    await until(() => bum('node-a').join() === '192.168.100.2' && bum('node-b').join() === '192.168.100.1', 'FDB entries towards node-c removed');
    assert.ok(!dps['node-c'].snapshot()['']!.links.some((l) => l.name === 'nn-ov' || l.name === VX), 'node-c removed its bridge and VXLAN device');

    await w.node('node-c', ON);
    await until(async () => {
      const n = await ov();
      return n?.status?.readyNodes === 3 && ['node-a', 'node-b', 'node-c'].every((x) => peersOf(n, x).length === 2);
    }, 'node-c back in the overlay');
    const again = await claimsOf(w, 'ov');
    assertDisjoint(again);
    assert.deepEqual(claimMap(again), before, 'the lowest free slice is node-c\'s old one');
    assert.deepEqual(bum('node-a'), ['192.168.100.2', '192.168.100.3']);
  });

  it('a moved InternalIP moves the node\'s VTEP in place: same claim, same slice, new address everywhere', async () => {
    const old = (await claimsOf(w, 'ov')).find((c) => c.spec.node === 'node-b')!;
    dps['node-b'].outOfBand(undefined, [{ op: 'addr.add', ref: { name: 'eth0' }, family: 4, address: '192.168.100.22', prefixLen: 24 }]);
    await overlayNode(w, 'node-b', '192.168.100.22', ON);
    await until(async () => (await claimsOf(w, 'ov')).find((c) => c.spec.node === 'node-b')?.spec.vtep === '192.168.100.22', 'claim updated');
    const moved = (await claimsOf(w, 'ov')).find((c) => c.spec.node === 'node-b')!;
    assert.deepEqual([moved.metadata.uid, moved.spec.slice], [old.metadata.uid, old.spec.slice]);
    await until(async () => {
      const n = await ov();
      return peersOf(n, 'node-a').includes('node-b@192.168.100.22') && peersOf(n, 'node-c').includes('node-b@192.168.100.22') && vxlanFacts(n, 'node-b')?.vtep === '192.168.100.22';
    }, 'every node sees the new address');
    await until(() => bum('node-a').join() === '192.168.100.22,192.168.100.3', 'node-a FDB follows');
  });

  it('a deleted Node (its agent gone) loses its claim to the other agents\' sweep, and its finalizer too once the Network is deleted', async () => {
    await engines['node-c'].stop();
    delete (engines as Partial<Record<NodeName, KubeEngine>>)['node-c'];
    await w.deleteNode('node-c');
    await until(async () => !('node-c' in claimMap(await claimsOf(w, 'ov'))), 'node-c\'s claim swept', 10_000);
    await until(async () => {
      const n = await ov();
      return peersOf(n, 'node-a').join() === 'node-b@192.168.100.22' && peersOf(n, 'node-b').join() === 'node-a@192.168.100.1';
    }, 'peers updated');
    await until(() => bum('node-a').join() === '192.168.100.22', 'node-a FDB without node-c');
    assert.ok(logs.some((l) => l.includes('removed the overlay claim of a node that no longer exists') && l.includes('node-c')));
    // Deleting the Network: both live nodes tear down and release, node-c's finalizer is swept.
    for (const sb of ['sa', 'sb', 'sc']) await w.remove('Attachment', `${sb}-ov`);
    assert.equal(await w.remove('Network', 'ov'), 200);
    await until(async () => (await ov()) === undefined, 'Network ov deleted', 20_000);
    assert.deepEqual(await claimsOf(w, 'ov'), [], 'no claim outlives its Network');
    for (const node of ['node-a', 'node-b'] as const) assert.ok(!dps[node].snapshot()['']!.links.some((l) => l.name === VX));
    assert.deepEqual(policy.refused, [], 'the shipped ClusterRole covers every request');
    assert.deepEqual(policy.denied, [], 'the shipped admission policies allow everything the agents do');
  });

  it('kube mode keeps declared peers when a Network lists them: no claims', async () => {
    await w.create({
      apiVersion: 'nodenet.io/v1alpha1', kind: 'Network', metadata: { name: 'declared' },
      spec: { driver: 'vxlan', vxlan: { vni: 43, peers: [{ node: 'node-a', address: '192.168.100.1' }, { node: 'node-b', address: '192.168.100.22' }] }, ipam: { ipv4: { subnet: '10.201.0.0/16' } } },
    });
    const n = await until(async () => {
      const x = await w.get('Network', 'declared');
      return nodeReady(x, 'node-a') && nodeReady(x, 'node-b') ? x : undefined;
    }, 'declared overlay Ready');
    assert.deepEqual(peersOf(n, 'node-a'), ['node-b@192.168.100.22']);
    assert.equal(readyOf(n), 'True:Converged');
    assert.deepEqual(await claimsOf(w, 'declared'), []);
    assert.equal(statusFor(n, 'node-a')!.vxlan.slices[0], '10.201.0.0/24');
  });
});
