// One vxlan overlay across three simulated nodes in KUBE mode, its membership coordinated only
// through the Kubernetes API (OverlayMember objects), no spec.vxlan.peers. Each node is a network
// namespace with its own underlay address on a shared underlay bridge and ITS OWN agent process
// (`nodenet run --kube --node-name node-X`, started inside the node's namespace through nsenter),
// with its own state and namespace directories, all sharing the test API server (127.0.0.1 in the
// test's namespace, reached from each node namespace through socat and a unix-socket relay in the
// test process). Every agent runs as its own user under the shipped RBAC rules and admission
// policies. Checked with real packets: sandboxes on different nodes reach each other by address;
// a node relabeled out of the overlay and back, and a node whose agent dies and whose Node object
// is deleted, then re-registered: every other node's FDB follows, slices are released and
// reclaimed; forty random joins and leaves; no two claims ever overlap (every state of the
// claims, replayed from a watch). Finally the same overlay is torn down through the API and built
// again in FILE mode with the claimed slices declared as peers: the nodes' kernels (VXLAN devices,
// FDB, neighbours, routes, addresses, nftables, sandboxes) and the vxlan status facts are the same.
// Prints cross-node latency and throughput.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import type { OverlayMemberObject } from '../../../api/v1alpha1/overlay-member.js';
import { native } from '../../../controllers/dataplane/netlink/native.js';
import { run, runOk } from '../../../controllers/lib/exec.js';
import { vxlanDeviceName } from '../../../controllers/reconcile/drivers/vxlan-plan.js';
import { allReady, startAgent, statusMap, waitStatus, type AgentProcess } from '../../helpers/agent-process.js';
import { kernelSnapshot } from '../../helpers/kernel-compare.js';
import { attach, net, sandbox, toYaml } from '../../helpers/objects.js';
import { pingStats, throughput } from '../../helpers/overlay-bench.js';
import { AGENT_SA, enforceDeployPolicy, type EnforcedPolicy } from '../../helpers/kube-policy.js';
import { nodeReady, startKubeAgent, startKubeWorld, unixRelay, until, type KubeWorld, type Obj } from '../../helpers/kube.js';
import { assertDisjoint, claimMap, claimsOf, MEMBERS_PATH, overlayNetwork, overlayNode, peersOf } from '../../helpers/kube-overlay.js';
import { scratch, type Scratch } from '../../helpers/scratch.js';
import { rng } from '../../helpers/torture.js';
import { inNs, makeNs, ping, sh } from '../../helpers/topology.js';
import { rawWatch, type RawWatch } from '../../kubeapi/index.js';
import type { VxlanPeer } from '../../../api/v1alpha1/types.js';

interface Node {
  name: string;
  underlay: string;
  ns: string;
  base: string;
  stateDir: string;
  netnsDir: string;
  socat?: ChildProcess;
  agent?: AgentProcess;
}

const VX = vxlanDeviceName('Network/ov');
const ON = { overlay: 'on' };
const SANDBOXES = { a1: 'node-a', b1: 'node-b', c1: 'node-c' } as const;

let s: Scratch;
let w: KubeWorld;
let policy: EnforcedPolicy;
let relay: Server;
let sock: string;
let port: number;
let history: RawWatch;
/** Claims created and deleted by the steps of this file: the watch must have seen at least as many states. */
let transitions = 0;
const nodes: Node[] = [];
const node = (name: string): Node => nodes.find((n) => n.name === name)!;
const sbNs = (sb: keyof typeof SANDBOXES): string => join(node(SANDBOXES[sb]).netnsDir, sb);
const ov = (): Promise<Obj | undefined> => w.get('Network', 'ov');
const fdb = async (n: Node): Promise<string> => (await runOk({ argv: inNs(n.ns, ['bridge', 'fdb', 'show', 'dev', VX]) })).stdout;
const ipOf = async (sb: string): Promise<string> => String((await w.get('Attachment', `${sb}-ov`))!.status.ipv4Address).split('/')[0]!;

async function makeNode(name: string, underlay: string): Promise<Node> {
  const ns = await makeNs(s, name);
  const short = name.slice(-1);
  await sh(null, 'ip', 'link', 'add', `ul-${short}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  await sh(null, 'ip', 'link', 'set', `ul-${short}`, 'master', 'ul0', 'up');
  await sh(ns, 'ip', 'addr', 'add', `${underlay}/24`, 'dev', 'eth0');
  await sh(ns, 'ip', 'link', 'set', 'eth0', 'up');
  const base = mkdtempSync(join('/run', `nodenet-kube-${name}-`));
  const n: Node = { name, underlay, ns, base, stateDir: join(base, 'state'), netnsDir: join(base, 'netns') };
  mkdirSync(n.netnsDir);
  // The API server listens on 127.0.0.1 of the test's namespace: socat brings it to the node's.
  n.socat = spawn('nsenter', [`--net=${ns}`, 'socat', `TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${sock}`], { stdio: 'ignore' });
  await until(async () => (await run({ argv: inNs(ns, ['socat', '-u', 'OPEN:/dev/null', `TCP:127.0.0.1:${port}`]) })).code === 0, `relay in ${name}`);
  return n;
}

async function startNode(n: Node): Promise<void> {
  n.agent = await startKubeAgent({
    kubeconfig: w.server.kubeconfigFor(`agent-${n.name}`),
    node: n.name,
    stateDir: n.stateDir,
    netnsDir: n.netnsDir,
    extra: ['--resync', '5s', '--orphan-sweep', '2s'],
    wrap: ['nsenter', `--net=${n.ns}`],
  });
}

/** Waits until every node in `members` is Ready on ov and lists exactly the others as peers. */
async function converged(members: string[], what: string, timeoutMs = 30_000): Promise<Obj> {
  return until(async () => {
    const n = await ov();
    const ok = members.every((m) => nodeReady(n, m) && peersOf(n, m).join() === members.filter((x) => x !== m).map((x) => `${x}@${node(x).underlay}`).sort().join());
    return ok && n!.status.nodeCount === members.length ? n : undefined;
  }, what, timeoutMs).catch(async (err: unknown) => {
    console.log(JSON.stringify((await ov())?.status, null, 1));
    for (const x of nodes) console.log(x.name, (x.agent?.lines ?? []).filter((l) => /warn|error|overlay/.test(l)).slice(-15).join('\n'));
    throw err;
  });
}

before(async () => {
  s = await scratch();
  w = await startKubeWorld();
  port = Number(new URL(w.server.url).port);
  sock = join(s.stateDir, '..', 'api.sock');
  relay = await unixRelay(sock, port);
  policy = enforceDeployPolicy(w.server, Object.fromEntries(['node-a', 'node-b', 'node-c'].map((n) => [`agent-${n}`, { username: AGENT_SA, node: n }])));
  history = rawWatch(w.admin, `${MEMBERS_PATH}?watch=true&resourceVersion=${w.server.resourceVersion()}`);
  await sh(null, 'ip', 'link', 'add', 'ul0', 'type', 'bridge');
  await sh(null, 'ip', 'link', 'set', 'ul0', 'up');
  for (const [i, name] of ['node-a', 'node-b', 'node-c'].entries()) {
    nodes.push(await makeNode(name, `192.168.100.${i + 1}`));
    await overlayNode(w, name, `192.168.100.${i + 1}`, ON);
  }
  await w.create(overlayNetwork('ov', { vni: 4242, subnet: '10.200.0.0/16', sliceSize: 24, nodeSelector: ON }));
  for (const [sb, n] of Object.entries(SANDBOXES)) {
    await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name: sb, namespace: 'default' }, spec: { nodeName: n } });
    await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Attachment', metadata: { name: `${sb}-ov`, namespace: 'default' }, spec: { sandbox: sb, network: 'ov' } });
  }
  const started = Date.now();
  await Promise.all(nodes.map(startNode));
  await converged(['node-a', 'node-b', 'node-c'], 'three nodes joined');
  await until(async () => {
    for (const sb of Object.keys(SANDBOXES)) if (!nodeReady(await w.get('Attachment', `${sb}-ov`), SANDBOXES[sb as keyof typeof SANDBOXES])) return false;
    return true;
  }, 'attachments Ready', 20_000);
  transitions += 3;
  console.log(`# three kube agents joined the overlay through the API in ${Date.now() - started} ms`);
});

after(async () => {
  history?.close();
  for (const n of nodes) {
    await n.agent?.stop('SIGKILL');
    n.socat?.kill('SIGKILL');
    for (const f of safeList(n.netnsDir)) native().netnsDelete(join(n.netnsDir, f));
    await run({ argv: ['umount', '-R', n.netnsDir] });
    rmSync(n.base, { recursive: true, force: true });
  }
  relay?.close();
  policy?.stop();
  await w?.stop();
  await s?.cleanup();
});

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

test('each node claimed its own slice through the API; sandboxes on different nodes reach each other (RTT printed)', async () => {
  const claims = await claimsOf(w, 'ov');
  assertDisjoint(claims);
  assert.deepEqual(claims.map((c) => `${c.spec.node}@${c.spec.vtep}`).sort(), nodes.map((n) => `${n.name}@${n.underlay}`));
  const net = (await ov())!;
  assert.equal(net.spec.vxlan.peers, undefined, 'no declared peers');
  const addrs = Object.fromEntries(await Promise.all(Object.keys(SANDBOXES).map(async (sb) => [sb, await ipOf(sb)] as const)));
  for (const [sb, n] of Object.entries(SANDBOXES)) {
    const slice = claims.find((c) => c.spec.node === n)!.spec.subnets![0]!;
    assert.ok(addrs[sb]!.startsWith(slice.split('.').slice(0, 3).join('.') + '.'), `${sb} (${addrs[sb]}) allocated from ${n}'s slice ${slice}`);
  }
  for (const from of Object.keys(SANDBOXES) as (keyof typeof SANDBOXES)[]) {
    for (const [to, ip] of Object.entries(addrs)) if (from !== to) assert.ok(await ping(sbNs(from), ip), `${from} -> ${to} (${ip})`);
  }
  for (const n of nodes) {
    const table = await fdb(n);
    for (const other of nodes) {
      const re = new RegExp(`^00:00:00:00:00:00 dst ${other.underlay.replace(/\./g, '\\.')} self permanent`, 'm');
      if (other === n) assert.doesNotMatch(table, re);
      else assert.match(table, re, `${n.name} -> ${other.name}`);
    }
  }
  const ab = await pingStats(sbNs('a1'), addrs.b1!, 50);
  const ac = await pingStats(sbNs('a1'), addrs.c1!, 50);
  console.log(`# latency a1 (node-a) -> b1 (node-b) through the overlay: rtt min/avg/max ${ab.min}/${ab.avg}/${ab.max} ms over ${ab.n} pings`);
  console.log(`# latency a1 (node-a) -> c1 (node-c) through the overlay: rtt min/avg/max ${ac.min}/${ac.avg}/${ac.max} ms over ${ac.n} pings`);
  assert.equal(ab.n, 50);
  assert.equal(ac.n, 50);
  const cross = await throughput(sbNs('a1'), sbNs('b1'), addrs.b1!, 3);
  const under = await throughput(node('node-a').ns, node('node-b').ns, node('node-b').underlay, 3);
  console.log(`# throughput a1 -> b1 (overlay, 1 TCP stream, 3 s): ${cross.toFixed(0)} Mbit/s; node-a -> node-b (plain underlay): ${under.toFixed(0)} Mbit/s`);
  assert.ok(cross > 0);
});

test('node-c relabeled out of the overlay: it releases its slice, every node drops it; relabeled back, it reclaims the slice', async () => {
  const before = claimMap(await claimsOf(w, 'ov'));
  const c1 = await ipOf('c1');
  let t = Date.now();
  await w.node('node-c', { overlay: 'off' });
  await until(async () => !('node-c' in claimMap(await claimsOf(w, 'ov'))), 'node-c released its slice', 20_000);
  await converged(['node-a', 'node-b'], 'node-a and node-b dropped node-c');
  const left = Date.now() - t;
  for (const n of [node('node-a'), node('node-b')]) {
    assert.doesNotMatch(await fdb(n), /^00:00:00:00:00:00 dst 192\.168\.100\.3 /m, `${n.name}: no BUM entry towards node-c`);
  }
  const cLinks = (await runOk({ argv: inNs(node('node-c').ns, ['ip', '-o', 'link', 'show']) })).stdout;
  assert.doesNotMatch(cLinks, new RegExp(`nn-ov|${VX}`), 'node-c removed its bridge and VXLAN device');
  assert.equal(await ping(sbNs('a1'), c1), false, 'node-c is unreachable');

  t = Date.now();
  await w.node('node-c', ON);
  await converged(['node-a', 'node-b', 'node-c'], 'node-c back');
  const back = Date.now() - t;
  transitions += 2;
  assert.deepEqual(claimMap(await claimsOf(w, 'ov')), before, 'node-c holds the same slice again (the lowest free one)');
  const again = await until(async () => nodeReady(await w.get('Attachment', 'c1-ov'), 'node-c') && (await ipOf('c1')), 'c1 attached again', 20_000);
  assert.ok(await ping(sbNs('a1'), again), 'a1 -> c1 again');
  assert.ok(await ping(sbNs('c1'), await ipOf('b1')), 'c1 -> b1 again');
  console.log(`# relabel out: slice released and peers updated everywhere in ${left} ms; back in: joined everywhere in ${back} ms`);
});

test('node-b dies and its Node object is deleted: the others sweep its claim; re-registered, it reclaims its slice', async () => {
  const before = claimMap(await claimsOf(w, 'ov'));
  const b = node('node-b');
  await b.agent!.stop('SIGKILL');
  let t = Date.now();
  await w.deleteNode('node-b');
  await until(async () => !('node-b' in claimMap(await claimsOf(w, 'ov'))), 'node-b\'s claim swept by another agent', 20_000);
  const swept = Date.now() - t;
  await until(async () => {
    const n = await ov();
    return peersOf(n, 'node-a').join() === 'node-c@192.168.100.3' && peersOf(n, 'node-c').join() === 'node-a@192.168.100.1';
  }, 'node-a and node-c dropped node-b', 20_000);
  for (const n of [node('node-a'), node('node-c')]) {
    await until(async () => !/^00:00:00:00:00:00 dst 192\.168\.100\.2 /m.test(await fdb(n)), `${n.name}: BUM entry towards node-b gone`);
  }
  t = Date.now();
  await overlayNode(w, 'node-b', b.underlay, ON);
  await startNode(b);
  await converged(['node-a', 'node-b', 'node-c'], 'node-b back');
  const back = Date.now() - t;
  transitions += 2;
  assert.deepEqual(claimMap(await claimsOf(w, 'ov')), before, 'node-b holds its old slice again');
  const b1 = await until(async () => nodeReady(await w.get('Attachment', 'b1-ov'), 'node-b') && (await ipOf('b1')), 'b1 Ready', 20_000);
  assert.ok(await ping(sbNs('a1'), b1), 'a1 -> b1 again');
  assert.ok(await ping(sbNs('b1'), await ipOf('c1')), 'b1 -> c1 again');
  console.log(`# dead node: claim swept in ${swept} ms; re-registered node rejoined everywhere in ${back} ms (agent start included)`);
});

test('forty random joins and leaves (relabels, several nodes at once): every member converges, the claims match the members', async () => {
  const seed = Number(process.env.CHURN_SEED ?? Date.now() % 1_000_000);
  const rand = rng(seed);
  const members = new Set(nodes.map((n) => n.name));
  let flips = 0;
  let rounds = 0;
  const started = Date.now();
  while (flips < 40) {
    rounds++;
    // A random non-empty set of nodes changes side at once: joins and leaves race each other.
    let flip = nodes.filter(() => rand() < 0.4);
    if (flip.length === 0) flip = [nodes[Math.floor(rand() * nodes.length)]!];
    for (const n of flip) {
      if (members.has(n.name)) members.delete(n.name);
      else members.add(n.name);
    }
    flips += flip.length;
    await Promise.all(flip.map((n) => w.node(n.name, members.has(n.name) ? ON : { overlay: 'off' })));
    const want = [...members].sort();
    const what = `round ${rounds} (seed ${seed}): members ${want.join(',') || 'none'}`;
    await until(async () => Object.keys(claimMap(await claimsOf(w, 'ov'))).join() === want.join(), `${what}: claims`, 20_000);
    if (want.length) await converged(want, what);
    else await until(async () => ((await ov())?.status?.nodes ?? []).length === 0, `${what}: no node reports ov`, 20_000);
    const claims = await claimsOf(w, 'ov');
    assertDisjoint(claims);
    const net = await ov();
    for (const c of claims) assert.deepEqual(statusOf(net, c.spec.node)?.slices, c.spec.subnets, `${what}: ${c.spec.node} uses the slice it claimed`);
  }
  transitions += flips;
  const back = nodes.filter((n) => !members.has(n.name));
  await Promise.all(back.map((n) => w.node(n.name, ON)));
  transitions += back.length;
  await converged(nodes.map((n) => n.name), 'all three back after the churn');
  console.log(`# churn (seed ${seed}): ${flips} joins/leaves in ${rounds} rounds, each converged everywhere, ${Date.now() - started} ms in all`);
  await until(async () => {
    for (const sb of Object.keys(SANDBOXES)) if (!nodeReady(await w.get('Attachment', `${sb}-ov`), SANDBOXES[sb as keyof typeof SANDBOXES])) return false;
    return true;
  }, 'attachments Ready after the churn', 20_000);
  const addrs = Object.fromEntries(await Promise.all(Object.keys(SANDBOXES).map(async (sb) => [sb, await ipOf(sb)] as const)));
  for (const from of Object.keys(SANDBOXES) as (keyof typeof SANDBOXES)[]) {
    for (const [to, ip] of Object.entries(addrs)) if (from !== to) assert.ok(await ping(sbNs(from), ip), `after the churn: ${from} -> ${to} (${ip})`);
  }
});

test('kube mode equals file mode: the overlay torn down through the API and built again from files with the claimed slices gives the same kernel on every node', async () => {
  const claims = await claimsOf(w, 'ov');
  assertDisjoint(claims);
  assert.equal(claims.length, 3);
  const kubeNet = await ov();
  // Which address an attachment got depends on the node's allocation history (released addresses
  // are not handed out again at once), which the churn made differ: file mode declares kube's.
  const kubeAddr = Object.fromEntries(await Promise.all(Object.keys(SANDBOXES).map(async (sb) => [sb, await ipOf(sb)] as const)));
  const picture = async (n: Node, vxlan: unknown): Promise<unknown> => ({ kernel: await kernelSnapshot(n.netnsDir, { hostNs: n.ns }), vxlan });
  const kube: Record<string, unknown> = {};
  for (const n of nodes) kube[n.name] = await picture(n, statusOf(kubeNet, n.name));

  // Everything deleted through the API: every node tears down and releases its slice.
  for (const sb of Object.keys(SANDBOXES)) {
    await w.remove('Attachment', `${sb}-ov`, 'default');
    await w.remove('Sandbox', sb, 'default');
  }
  await w.remove('Network', 'ov');
  await until(async () => (await ov()) === undefined && (await claimsOf(w, 'ov')).length === 0 && (await w.list('Sandbox')).length === 0, 'ov and the sandboxes deleted, every slice released', 30_000);
  transitions += 3;
  for (const n of nodes) {
    await assertNodeClean(n);
    assert.equal(await n.agent!.stop('SIGTERM'), 0, `${n.name}: kube agent exits cleanly`);
  }

  // File mode, same node namespaces and dirs, the slices kube mode claimed declared as peers.
  const peers: VxlanPeer[] = claims.map((c) => ({ node: c.spec.node, address: c.spec.vtep, subnet: c.spec.subnets![0]! })).sort((a, b) => a.node.localeCompare(b.node));
  const keys = (sb: string): string[] => ['Network/ov', `Sandbox/default/${sb}`, `Attachment/default/${sb}-ov`];
  for (const n of nodes) {
    const sb = sandboxOn(n.name);
    const dir = join(n.base, 'manifests');
    mkdirSync(dir, { recursive: true });
    const overlay = net('ov', { driver: 'vxlan', vxlan: { vni: 4242, sliceSize: 24, peers }, ipam: { ipv4: { subnet: '10.200.0.0/16' } } });
    writeFileSync(join(dir, 'overlay.yaml'), toYaml([overlay, sandbox(sb), attach(`${sb}-ov`, sb, 'ov', { ipv4Address: kubeAddr[sb]! })]));
    n.agent = await startAgent({ dir, stateDir: n.stateDir, netnsDir: n.netnsDir }, ['--node-name', n.name, '--resync', '5s'], { netns: n.ns });
  }
  await Promise.all(nodes.map((n) => waitStatus(n.stateDir, allReady(keys(sandboxOn(n.name))), 20_000)));
  const file: Record<string, unknown> = {};
  for (const n of nodes) file[n.name] = await picture(n, statusMap(n.stateDir).get('Network/ov')!.status.vxlan);
  assert.deepEqual(file, kube);

  // Not vacuous: the pictures hold the overlay, and the file-mode overlay carries packets.
  for (const n of nodes) {
    const k = kube[n.name] as { kernel: { host: { links: { kind: string; vxlan?: { id: number } }[]; fdb: string[]; routes: string[] } } };
    assert.equal(k.kernel.host.links.find((l) => l.kind === 'vxlan')?.vxlan?.id, 4242, `${n.name}: VXLAN device`);
    assert.deepEqual(k.kernel.host.fdb, nodes.filter((o) => o !== n).map((o) => `00:00:00:00:00:00 dst ${o.underlay} dev ${VX}`), `${n.name}: one BUM entry per peer`);
    assert.ok(k.kernel.host.routes.some((r) => r.startsWith('10.200.')), `${n.name}: overlay route`);
  }
  const b1 = String(statusMap(node('node-b').stateDir).get('Attachment/default/b1-ov')!.status.ipv4Address).split('/')[0]!;
  assert.ok(await ping(sbNs('a1'), b1), 'file mode: a1 -> b1');
  console.log(`# kube vs file: ${JSON.stringify(kube).length} bytes of kernel and vxlan status per three nodes compared`);
});

test('no two claims ever overlapped, and the agents stayed within RBAC and the admission policies', async () => {
  const state = new Map<string, OverlayMemberObject>();
  let states = 0;
  for (const e of history.events) {
    if (e.type === 'BOOKMARK' || e.type === 'ERROR') continue;
    if (e.type === 'DELETED') state.delete(e.object.metadata.name);
    else state.set(e.object.metadata.name, e.object as OverlayMemberObject);
    assertDisjoint([...state.values()]);
    states++;
  }
  console.log(`# ${states} successive states of the overlay's claims checked`);
  assert.ok(states >= transitions, `${states} states for ${transitions} claims made and released`);
  assert.deepEqual(policy.refused, []);
  assert.deepEqual(policy.denied, []);
});

/** The vxlan facts of a node's entry in the Network's status. */
function statusOf(net: Obj | undefined, name: string): { slices?: string[] } & Record<string, unknown> | undefined {
  return ((net?.status?.nodes ?? []) as { node: string; vxlan?: Record<string, unknown> }[]).find((e) => e.node === name)?.vxlan;
}

function sandboxOn(name: string): keyof typeof SANDBOXES {
  return (Object.keys(SANDBOXES) as (keyof typeof SANDBOXES)[]).find((sb) => SANDBOXES[sb] === name)!;
}

/** Nothing of nodenet's left in the node's namespace: links, nftables table, sandbox namespaces. */
async function assertNodeClean(n: Node): Promise<void> {
  assert.doesNotMatch((await runOk({ argv: inNs(n.ns, ['ip', '-o', 'link', 'show']) })).stdout, /nn-|nnv|nnx/, `${n.name}: links left`);
  assert.doesNotMatch((await runOk({ argv: inNs(n.ns, ['nft', 'list', 'tables']) })).stdout, /nodenet/, `${n.name}: nftables left`);
  assert.deepEqual(safeList(n.netnsDir), [], `${n.name}: sandbox namespaces left`);
}

