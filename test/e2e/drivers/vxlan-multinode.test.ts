// One vxlan overlay across three simulated nodes. Each node is a network namespace with its own
// underlay address on a shared underlay bridge (in the test's scratch namespace) and runs ITS OWN
// agent process (the CLI, started inside the node's namespace through nsenter) with its own
// manifests, state and namespace directories. Checked with real packets: sandboxes on different
// nodes reach each other by address, every node has one BUM FDB entry per peer, slices are
// disjoint, a node leaving the overlay and joining again updates every other node, and a
// restarted agent changes nothing. Prints cross-node latency and throughput.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { overlaps, parseCidr } from '../../../api/ip.js';
import type { Network, Resource, VxlanPeer } from '../../../api/v1alpha1/types.js';
import { native } from '../../../controllers/dataplane/netlink/native.js';
import { runOk } from '../../../controllers/lib/exec.js';
import { vxlanDeviceName } from '../../../controllers/reconcile/drivers/vxlan-plan.js';
import { allReady, startAgent, statusMap, waitStatus, type AgentProcess } from '../../helpers/agent-process.js';
import { attach, net, sandbox, toYaml } from '../../helpers/objects.js';
import { pingStats, throughput } from '../../helpers/overlay-bench.js';
import { scratch, type Scratch } from '../../helpers/scratch.js';
import { inNs, makeNs, ping, sh } from '../../helpers/topology.js';

interface Node {
  name: string;
  short: string;
  underlay: string;
  /** The node's own network namespace (its "host"). */
  ns: string;
  dirs: { dir: string; stateDir: string; netnsDir: string };
  agent?: AgentProcess;
}

const VX = vxlanDeviceName('Network/ov');
const DECL: Record<string, VxlanPeer> = {
  // a and b declare their slices; c takes the lowest free one (10.200.0.0/24), like every node computes.
  'node-a': { node: 'node-a', address: '192.168.100.1', subnet: '10.200.1.0/24' },
  'node-b': { node: 'node-b', address: '192.168.100.2', subnet: '10.200.2.0/24' },
  'node-c': { node: 'node-c', address: '192.168.100.3' },
};

let s: Scratch;
const nodes: Node[] = [];
const node = (short: string): Node => nodes.find((n) => n.short === short)!;
const sbNs = (n: Node, sb: string): string => join(n.dirs.netnsDir, sb);

function overlay(members: string[]): Network {
  return net('ov', { driver: 'vxlan', vxlan: { vni: 4242, peers: members.map((m) => DECL[m]!) }, ipam: { ipv4: { subnet: '10.200.0.0/16' } } });
}

/** What node n declares: the overlay, and its own sandboxes (file mode: this node's objects only). */
function manifests(n: Node, members: string[]): Resource[] {
  const own = n.short === 'a' ? ['a1', 'a2'] : [`${n.short}1`];
  return [overlay(members), ...own.flatMap((sb) => [sandbox(sb), attach(`${sb}-ov`, sb, 'ov')])];
}

function keysOf(n: Node): string[] {
  return manifests(n, []).map((o) => (o.kind === 'Network' ? `Network/${o.metadata.name}` : `${o.kind}/default/${o.metadata.name}`));
}

function writeManifests(n: Node, members: string[]): void {
  writeFileSync(join(n.dirs.dir, 'overlay.yaml'), toYaml(manifests(n, members)));
}

async function makeNode(name: string): Promise<Node> {
  const short = name.slice(-1);
  const underlay = DECL[name]!.address;
  const ns = await makeNs(s, name);
  await sh(null, 'ip', 'link', 'add', `ul-${short}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  await sh(null, 'ip', 'link', 'set', `ul-${short}`, 'master', 'ul0', 'up');
  await sh(ns, 'ip', 'addr', 'add', `${underlay}/24`, 'dev', 'eth0');
  await sh(ns, 'ip', 'link', 'set', 'eth0', 'up');
  const base = mkdtempSync(join('/run', `nodenet-${name}-`));
  const dirs = { dir: join(base, 'manifests'), stateDir: join(base, 'state'), netnsDir: join(base, 'netns') };
  mkdirSync(dirs.dir);
  mkdirSync(dirs.netnsDir);
  return { name, short, underlay, ns, dirs };
}

async function startNode(n: Node): Promise<void> {
  n.agent = await startAgent(n.dirs, ['--node-name', n.name, '--resync', '5s'], { netns: n.ns });
}

/** Stops the node's agent and removes what it mounted (its sandboxes die with their namespaces). */
async function destroyNode(n: Node): Promise<void> {
  await n.agent?.stop('SIGKILL');
  for (const f of safeList(n.dirs.netnsDir)) native().netnsDelete(join(n.dirs.netnsDir, f));
  await runOk({ argv: ['umount', '-R', n.dirs.netnsDir] }).catch(() => undefined);
  rmSync(join(n.dirs.netnsDir, '..'), { recursive: true, force: true });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const ipOf = (n: Node, attachment: string): string => String(statusMap(n.dirs.stateDir).get(`Attachment/default/${attachment}`)!.status.ipv4Address).split('/')[0]!;

interface OverlayFacts {
  slices: string[];
  peers: { node: string; address: string }[];
}
const factsOf = (n: Node): OverlayFacts | undefined => statusMap(n.dirs.stateDir).get('Network/ov')?.status.vxlan as OverlayFacts | undefined;

async function fdb(n: Node): Promise<string> {
  return (await runOk({ argv: inNs(n.ns, ['bridge', 'fdb', 'show', 'dev', VX]) })).stdout;
}

before(async () => {
  s = await scratch();
  await sh(null, 'ip', 'link', 'add', 'ul0', 'type', 'bridge');
  await sh(null, 'ip', 'link', 'set', 'ul0', 'up');
  for (const name of Object.keys(DECL)) nodes.push(await makeNode(name));
  const all = Object.keys(DECL);
  for (const n of nodes) writeManifests(n, all);
  const started = Date.now();
  await Promise.all(nodes.map((n) => startNode(n)));
  await Promise.all(nodes.map((n) => waitStatus(n.dirs.stateDir, allReady(keysOf(n)), 20_000)));
  console.log(`# three agents converged in ${Date.now() - started} ms`);
});

after(async () => {
  for (const n of nodes) await destroyNode(n);
  await s?.cleanup();
});

test('sandboxes on different nodes reach each other by address; each allocates from its own slice', async () => {
  const addrs = { a1: ipOf(node('a'), 'a1-ov'), a2: ipOf(node('a'), 'a2-ov'), b1: ipOf(node('b'), 'b1-ov'), c1: ipOf(node('c'), 'c1-ov') };
  assert.match(addrs.a1, /^10\.200\.1\./);
  assert.match(addrs.b1, /^10\.200\.2\./);
  assert.match(addrs.c1, /^10\.200\.0\./, 'node-c took the lowest free slice');
  const where: Record<string, [Node, string]> = { a1: [node('a'), 'a1'], a2: [node('a'), 'a2'], b1: [node('b'), 'b1'], c1: [node('c'), 'c1'] };
  for (const [from, [n, sb]] of Object.entries(where)) {
    for (const [to, ip] of Object.entries(addrs)) {
      if (from !== to) assert.ok(await ping(sbNs(n, sb), ip), `${from} -> ${to} (${ip})`);
    }
  }
  const slices = nodes.map((n) => parseCidr(factsOf(n)!.slices[0]!)!);
  for (let i = 0; i < slices.length; i++) for (let j = i + 1; j < slices.length; j++) assert.equal(overlaps(slices[i]!, slices[j]!), false, 'slices never overlap');
  const mtu = (await runOk({ argv: inNs(sbNs(node('b'), 'b1'), ['ip', '-o', 'link', 'show', 'eth0']) })).stdout;
  assert.match(mtu, / mtu 1450 /, 'overlay MTU = underlay 1500 - 50');
});

test('every node has one all-zeros (BUM) FDB entry per peer VTEP', async () => {
  for (const n of nodes) {
    const table = await fdb(n);
    for (const other of nodes) {
      const re = new RegExp(`^00:00:00:00:00:00 dst ${other.underlay.replace(/\./g, '\\.')} self permanent`, 'm');
      if (other === n) assert.doesNotMatch(table, re, `${n.name} has no entry to itself`);
      else assert.match(table, re, `${n.name} -> ${other.name}`);
    }
  }
});

test('cross-node latency and throughput through the overlay (printed)', async () => {
  const a1 = sbNs(node('a'), 'a1');
  const b1ip = ipOf(node('b'), 'b1-ov');
  const rtt = await pingStats(a1, b1ip, 50);
  const local = await pingStats(a1, ipOf(node('a'), 'a2-ov'), 50);
  const cross = await throughput(a1, sbNs(node('b'), 'b1'), b1ip, 3);
  const same = await throughput(a1, sbNs(node('a'), 'a2'), ipOf(node('a'), 'a2-ov'), 3);
  const under = await throughput(node('a').ns, node('b').ns, node('b').underlay, 3);
  console.log(`# latency a1 -> b1 (other node, overlay): rtt min/avg/max ${rtt.min}/${rtt.avg}/${rtt.max} ms over ${rtt.n} pings`);
  console.log(`# latency a1 -> a2 (same node, bridge):   rtt min/avg/max ${local.min}/${local.avg}/${local.max} ms`);
  console.log(`# throughput a1 -> b1 (overlay, 1 TCP stream, 3 s): ${cross.toFixed(0)} Mbit/s`);
  console.log(`# throughput a1 -> a2 (same node bridge):            ${same.toFixed(0)} Mbit/s`);
  console.log(`# throughput node-a -> node-b (plain underlay):     ${under.toFixed(0)} Mbit/s`);
  assert.ok(rtt.n === 50 && rtt.avg > 0, 'every ping answered');
  assert.ok(cross > 0);
});

test('a node leaving the overlay is dropped by every other node; joining again restores it', async () => {
  const c1 = ipOf(node('c'), 'c1-ov');
  const a1 = sbNs(node('a'), 'a1');
  for (const n of nodes) writeManifests(n, ['node-a', 'node-b']);
  await waitStatus(node('c').dirs.stateDir, (m) => /NotAMember/.test(JSON.stringify(m.get('Network/ov')?.status.conditions)), 15_000);
  for (const n of [node('a'), node('b')]) {
    await waitStatus(n.dirs.stateDir, () => factsOf(n)?.peers.length === 1, 15_000);
    assert.doesNotMatch(await fdb(n), /^00:00:00:00:00:00 dst 192\.168\.100\.3/m, `${n.name}: no BUM entry towards node-c`);
    // Entries learned from frames node-c sent before it took its overlay down go at the next
    // pass (resync is 5 s here): VXLAN learns from any VTEP that reaches it.
    await until(async () => !/dst 192\.168\.100\.3/.test(await fdb(n)), 15_000, `${n.name}: learned entries towards node-c are gone`);
  }
  const cLinks = (await runOk({ argv: inNs(node('c').ns, ['ip', '-o', 'link', 'show']) })).stdout;
  assert.doesNotMatch(cLinks, new RegExp(`nn-ov|${VX}`), 'node-c removed its bridge and VXLAN device');
  assert.equal(await ping(a1, c1), false, 'node-c is unreachable');

  for (const n of nodes) writeManifests(n, Object.keys(DECL));
  await Promise.all(nodes.map((n) => waitStatus(n.dirs.stateDir, (m) => allReady(keysOf(n))(m) && factsOf(n)?.peers.length === 2, 20_000)));
  for (const n of [node('a'), node('b')]) assert.match(await fdb(n), /^00:00:00:00:00:00 dst 192\.168\.100\.3 /m);
  assert.equal(ipOf(node('c'), 'c1-ov').startsWith('10.200.0.'), true, 'same slice again');
  assert.ok(await ping(a1, ipOf(node('c'), 'c1-ov')), 'a1 -> c1 again');
  assert.ok(await ping(sbNs(node('c'), 'c1'), ipOf(node('b'), 'b1-ov')), 'c1 -> b1 again');
});

test('a restarted agent keeps every address and makes no kernel change', async () => {
  const b = node('b');
  const before = ipOf(b, 'b1-ov');
  assert.equal(await b.agent!.stop('SIGTERM'), 0);
  await startNode(b);
  await waitStatus(b.dirs.stateDir, allReady(keysOf(b)));
  assert.equal(ipOf(b, 'b1-ov'), before);
  assert.deepEqual(b.agent!.kernelChanges(), []);
  assert.ok(await ping(sbNs(node('a'), 'a1'), before));
});

async function until(pred: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
