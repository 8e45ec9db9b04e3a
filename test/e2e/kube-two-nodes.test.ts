// Two simulated nodes: two agent processes, each in its own network namespace ("host" of node-a
// is the test's scratch namespace, node-b's a second one), different --node-name, Node objects
// with different labels. Each realizes only its own Sandboxes and Attachments and the Networks
// its labels select, both report on the shared Network, and a relabel moves a Network between
// them. Node-b reaches the API server (127.0.0.1 in node-a's namespace) through socat in its
// namespace and a unix-socket relay in the test process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { native } from '../../controllers/dataplane/netlink/native.js';
import { run, runOk } from '../../controllers/lib/exec.js';
import { AGENT_SA, enforceDeployPolicy, type EnforcedPolicy } from '../helpers/kube-policy.js';
import { nodeReady, readyOf, startKubeAgent, startKubeWorld, unixRelay, until, type KubeWorld, type Obj } from '../helpers/kube.js';
import type { AgentProcess } from '../helpers/agent-process.js';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { inNs, makeNs } from '../helpers/topology.js';

const net = (name: string, octet: number, zone?: string): Obj => ({
  apiVersion: 'nodenet.io/v1alpha1', kind: 'Network', metadata: { name },
  spec: { ...(zone ? { nodeSelector: { zone } } : {}), ipam: { ipv4: { subnet: `10.${octet}.0.0/24` } } },
});
const sandbox = (name: string, node: string): Obj => ({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name, namespace: 'default' }, spec: { nodeName: node } });
const attachment = (sb: string, network: string): Obj => ({
  apiVersion: 'nodenet.io/v1alpha1', kind: 'Attachment', metadata: { name: `${sb}-${network}`, namespace: 'default' },
  spec: { sandbox: sb, network, interface: network === 'shared' ? 'eth1' : 'eth0' },
});

let s: Scratch;
let w: KubeWorld;
let policy: EnforcedPolicy;
let hostB: string;
let netnsB: string;
let relay: Server;
let socat: ChildProcess;
const agents: Record<string, AgentProcess> = {};

const links = async (host: string | null): Promise<string[]> =>
  (await runOk({ argv: inNs(host, ['ip', '-o', 'link', 'show']) })).stdout.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '').filter((n) => /^nn-/.test(n)).sort();
const namespacesIn = (dir: string): string[] => readdirSync(dir).sort();

before(async () => {
  s = await scratch();
  w = await startKubeWorld();
  policy = enforceDeployPolicy(w.server, { 'agent-node-a': { username: AGENT_SA, node: 'node-a' }, 'agent-node-b': { username: AGENT_SA, node: 'node-b' } });
  await w.node('node-a', { zone: 'a' });
  await w.node('node-b', { zone: 'b' });
  for (const o of [net('net-a', 61, 'a'), net('net-b', 62, 'b'), net('shared', 63), sandbox('sa', 'node-a'), sandbox('sb', 'node-b')]) await w.create(o);
  for (const o of [attachment('sa', 'net-a'), attachment('sa', 'shared'), attachment('sb', 'net-b'), attachment('sb', 'shared')]) await w.create(o);

  hostB = await makeNs(s, 'node-b-host');
  const base = join(s.stateDir, '..');
  netnsB = join(base, 'netns-b');
  mkdirSync(netnsB, { recursive: true });
  const sock = join(base, 'api.sock');
  const port = Number(new URL(w.server.url).port);
  relay = await unixRelay(sock, port);
  socat = spawn('nsenter', [`--net=${hostB}`, 'socat', `TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${sock}`], { stdio: 'ignore' });
  await until(async () => (await run({ argv: inNs(hostB, ['socat', '-u', 'OPEN:/dev/null', `TCP:127.0.0.1:${port}`]) })).code === 0, 'relay up');

  [agents['node-a'], agents['node-b']] = await Promise.all([
    startKubeAgent({ kubeconfig: w.server.kubeconfigFor('agent-node-a'), node: 'node-a', stateDir: s.stateDir, netnsDir: s.netnsDir }),
    startKubeAgent({ kubeconfig: w.server.kubeconfigFor('agent-node-b'), node: 'node-b', stateDir: join(base, 'state-b'), netnsDir: netnsB, wrap: ['nsenter', `--net=${hostB}`] }),
  ]);
});

after(async () => {
  for (const a of Object.values(agents)) await a.stop('SIGKILL');
  socat?.kill('SIGKILL');
  relay?.close();
  policy?.stop();
  await w?.stop();
  for (const f of netnsB ? namespacesIn(netnsB) : []) native().netnsDelete(join(netnsB, f));
  if (netnsB) {
    await run({ argv: ['umount', '-R', netnsB] });
    rmSync(netnsB, { recursive: true, force: true });
  }
  await s?.cleanup();
});

test('each node realizes only its own sandboxes and attachments and the networks its labels select', async () => {
  await until(async () => {
    const objs = [...(await w.list('Sandbox')), ...(await w.list('Attachment'))];
    const nets = await w.list('Network');
    const on = (o: Obj): string => (o.kind === 'Sandbox' ? o.spec.nodeName : o.spec.sandbox === 'sa' ? 'node-a' : 'node-b');
    return objs.every((o) => nodeReady(o, on(o))) && nets.every((n) => readyOf(n) === 'True:Converged');
  }, 'both nodes converged', 30_000).catch(async (err) => {
    for (const o of [...(await w.list('Network')), ...(await w.list('Sandbox')), ...(await w.list('Attachment'))]) console.log(o.metadata.name, JSON.stringify(o.status));
    throw err;
  });
  assert.deepEqual(await links(null), ['nn-net-a', 'nn-shared']);
  assert.deepEqual(await links(hostB), ['nn-net-b', 'nn-shared']);
  assert.deepEqual(namespacesIn(s.netnsDir).filter((n) => n !== 'node-b-host'), ['sa']);
  assert.deepEqual(namespacesIn(netnsB), ['sb']);
  const changesA = agents['node-a']!.kernelChanges().join('\n');
  const changesB = agents['node-b']!.kernelChanges().join('\n');
  assert.doesNotMatch(changesA, /nn-net-b|netns-b|Attachment\/default\/sb-/);
  assert.doesNotMatch(changesB, /nn-net-a|\/netns\/sa|Attachment\/default\/sa-/);
  assert.match(changesB, /nn-net-b/, 'the check above is not vacuous');
});

test('the shared network carries one entry per node and both finalizers; a selected one only its node\'s', async () => {
  const shared = (await w.get('Network', 'shared'))!;
  assert.deepEqual(shared.status.nodes.map((e: { node: string }) => e.node), ['node-a', 'node-b']);
  assert.deepEqual([shared.status.nodeCount, shared.status.readyNodes], [2, 2]);
  assert.deepEqual([...shared.metadata.finalizers].sort(), ['node.nodenet.io/node-a', 'node.nodenet.io/node-b']);
  for (const e of shared.status.nodes) assert.equal(e.bridge, 'nn-shared');
  const a = (await w.get('Network', 'net-a'))!;
  assert.deepEqual(a.status.nodes.map((e: { node: string }) => e.node), ['node-a']);
  assert.deepEqual(a.metadata.finalizers, ['node.nodenet.io/node-a']);
  assert.equal((await w.get('Attachment', 'sb-shared'))!.status.nodeName, 'node-b');
  assert.equal((await w.get('Attachment', 'sa-shared'))!.status.nodeName, 'node-a');
});

test('relabeling node-b moves net-b off it and net-a onto it', async () => {
  await w.node('node-b', { zone: 'a' });
  await until(async () => (await links(hostB)).join(',') === 'nn-net-a,nn-shared', 'node-b bridges follow its labels', 20_000);
  const b = await until(async () => {
    const o = await w.get('Network', 'net-b');
    return o?.status?.nodeCount === 0 && (o.metadata.finalizers ?? []).length === 0 ? o : undefined;
  }, 'net-b released by node-b');
  assert.equal(readyOf(b), 'False:NoNodes');
  const a = await until(async () => {
    const o = await w.get('Network', 'net-a');
    return o?.status?.readyNodes === 2 ? o : undefined;
  }, 'net-a on both nodes');
  assert.deepEqual([...a.metadata.finalizers].sort(), ['node.nodenet.io/node-a', 'node.nodenet.io/node-b']);
  assert.equal(readyOf(await w.get('Attachment', 'sb-net-b')), 'False:NetworkNotFound');
  assert.deepEqual(await links(null), ['nn-net-a', 'nn-shared'], 'node-a unchanged');
});

test('deleting the shared network waits for both nodes', async () => {
  for (const name of ['sa-shared', 'sb-shared']) assert.equal(await w.remove('Attachment', name), 200);
  assert.equal(await w.remove('Network', 'shared'), 200);
  await until(async () => (await w.get('Network', 'shared')) === undefined, 'shared gone', 20_000);
  assert.ok(!(await links(null)).includes('nn-shared'));
  assert.ok(!(await links(hostB)).includes('nn-shared'));
  assert.deepEqual(policy.refused, []);
  assert.deepEqual(policy.denied, [], 'two nodes writing one network stay within the admission policy');
});

test('moving a sandbox to the other node: the old node tears down and lets go, the new one takes over', async () => {
  await w.patch('Sandbox', 'sb', { spec: { nodeName: 'node-a' } });
  await until(async () => {
    const sb = await w.get('Sandbox', 'sb');
    return nodeReady(sb, 'node-a') && JSON.stringify(sb!.metadata.finalizers) === '["node.nodenet.io/node-a"]';
  }, 'sb on node-a, node-b\'s finalizer gone', 20_000);
  assert.deepEqual(namespacesIn(netnsB), [], 'node-b removed its namespace');
  assert.ok(namespacesIn(s.netnsDir).includes('sb'));
  const att = await until(async () => {
    const o = await w.get('Attachment', 'sb-net-b');
    return o?.status?.nodeName === 'node-a' ? o : undefined;
  }, 'node-a claims the attachment after node-b released it');
  assert.equal(readyOf(att), 'False:NetworkNotFound', 'net-b is realized on no node now');
  // node-a may try to claim before node-b has released: refused, retried, accepted after the release.
  assert.deepEqual([...new Set(policy.denied.map((d) => d.split(':')[0]))].filter((d) => d !== 'agent-node-a UPDATE attachments/status sb-net-b'), []);
});
