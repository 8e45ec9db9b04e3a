// The agent CLI in kube mode (`nodenet run --kube --kubeconfig ...`) in a scratch network
// namespace, against the test API server, as its own user under the shipped RBAC rules and
// admission policy. kubectl applies the shipped examples and waits for Ready while the agent
// converges; then edits, invalid input, watch failures (dropped connections, 410 Gone), deletion
// through finalizers, a dead node's finalizer, a restart, and removing everything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk, type ExecResult } from '../../controllers/lib/exec.js';
import { hostVethName } from '../../controllers/model/names.js';
import { rawWatch } from '../kubeapi/index.js';
import { AGENT_SA, enforceDeployPolicy, type EnforcedPolicy } from '../helpers/kube-policy.js';
import { keyOfObj, nodeReady, pathOf, readyOf, startKubeAgent, startKubeWorld, statusFor, until, type KubeWorld, type Obj } from '../helpers/kube.js';
import type { AgentProcess } from '../helpers/agent-process.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { inNs, ping } from '../helpers/topology.js';

const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
const kubectlFound = (await run({ argv: [KUBECTL, 'version', '--client'], timeoutMs: 20_000 }).catch(() => ({ code: 1 }))).code === 0;
const EXAMPLES = join(REPO_ROOT, 'manifests/examples/kube');
const NODE = 'node-a';

let s: Scratch;
let w: KubeWorld;
let policy: EnforcedPolicy;
let agent: AgentProcess;
let cacheDir: string;
let waits: Promise<ExecResult>[] = [];

const k = (...args: string[]): Promise<ExecResult> => run({ argv: [KUBECTL, '--kubeconfig', w.server.kubeconfigPath, '--cache-dir', cacheDir, ...args], timeoutMs: 90_000 });
const kOk = async (...args: string[]): Promise<string> => {
  const r = await k(...args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const startAgent = (): Promise<AgentProcess> =>
  startKubeAgent({
    kubeconfig: w.server.kubeconfigFor('agent-node-a'),
    node: NODE,
    stateDir: s.stateDir,
    netnsDir: s.netnsDir,
    // A short drift hold: the pause test repairs a drift, whose Degraded=DriftRepaired must be over
    // before the restart test (the hold lives in memory; a restart would end it early and rewrite status).
    extra: ['--resync', '500ms', '--orphan-sweep', '1s', '--drift-hold', '1s'],
  });
const all = async (): Promise<Obj[]> => [...(await w.list('Network')), ...(await w.list('Sandbox')), ...(await w.list('Attachment'))];
const link = async (name: string, ns: string | null = null): Promise<boolean> => (await run({ argv: inNs(ns, ['ip', 'link', 'show', 'dev', name]) })).code === 0;
const ns = (name: string): string => join(s.netnsDir, name);
const ip = (o: Obj | undefined): string => String(o?.status?.ipv4Address ?? '').split('/')[0]!;

describe('kube mode (agent CLI + kubectl + test API server)', { skip: kubectlFound ? false : `no kubectl (${KUBECTL}): install kubernetes-client` }, () => {
before(async () => {
  s = await scratch();
  cacheDir = mkdtempSync(join(s.stateDir + '-kubectl-'));
  w = await startKubeWorld();
  policy = enforceDeployPolicy(w.server, { 'agent-node-a': { username: AGENT_SA, node: NODE } });
  await w.node(NODE, { 'kubernetes.io/hostname': NODE });
  const applied = await kOk('apply', '-f', EXAMPLES);
  assert.equal(applied.trim().split('\n').length, 9, applied);
  // kubectl waits while the agent starts and converges.
  waits = ['networks', 'sandboxes', 'attachments'].map((kind) => k('wait', `--for=condition=Ready`, kind, '--all', '--timeout=60s'));
  const started = Date.now();
  agent = await startAgent();
  await until(async () => (await all()).every((o) => nodeReady(o, NODE)), 'every object Ready', 30_000);
  console.log(`# kube mode: 9 objects Ready ${Date.now() - started} ms after the agent started`);
});

after(async () => {
  await agent?.stop('SIGKILL');
  policy?.stop();
  await w?.stop();
  await s?.cleanup();
});

test('kubectl wait --for=condition=Ready returns while the agent converges; status carries observedGeneration', async () => {
  for (const r of await Promise.all(waits)) {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /condition met/);
  }
  for (const o of await all()) {
    const st = statusFor(o, NODE)!;
    assert.equal(st.observedGeneration, o.metadata.generation, keyOfObj(o));
    assert.deepEqual(o.metadata.finalizers, [`node.nodenet.io/${NODE}`], keyOfObj(o));
  }
  assert.ok(await link('nn-frontend'));
  assert.ok(await link('nn-backend'));
  const web2 = await w.get('Attachment', 'web-2-frontend');
  assert.ok(await ping(ns('web-1'), ip(web2)), 'real traffic between two sandboxes');
});

test('kubectl get shows the printer columns', async () => {
  const atts = (await kOk('get', 'attachments')).trim().split('\n');
  assert.match(atts[0]!, /^NAME\s+NETWORK\s+SANDBOX\s+IP\s+READY\s+AGE$/);
  const web1 = ip(await w.get('Attachment', 'web-1-frontend'));
  assert.ok(atts.some((l) => new RegExp(`^web-1-frontend\\s+frontend\\s+web-1\\s+${web1.replace(/\./g, '\\.')}/24\\s+True\\s+\\d+[sm]`).test(l)), atts.join('\n'));
  const sbs = (await kOk('get', 'sandboxes')).trim().split('\n');
  assert.match(sbs[0]!, /^NAME\s+NODE\s+NETNS\s+READY\s+AGE$/);
  assert.match(sbs.find((l) => l.startsWith('db-1'))!, new RegExp(`^db-1\\s+${NODE}\\s+${ns('db-1')}\\s+True`));
  const nets = (await kOk('get', 'networks', '-o', 'wide')).trim().split('\n');
  assert.match(nets[0]!, /^NAME\s+DRIVER\s+SUBNET\s+READY\s+AGE\s+NODES\s+READY-NODES\s+BRIDGE\s+SUBNET6$/);
  assert.match(nets.find((l) => l.startsWith('frontend'))!, /^frontend\s+bridge\s+10\.88\.0\.0\/24\s+True\s+\S+\s+1\s+1\s+nn-frontend/);
  const selected = await kOk('get', 'sandboxes', '--field-selector', `spec.nodeName=${NODE}`, '-o', 'name');
  assert.equal(selected.trim().split('\n').length, 3);
});

test('an edit moves the address; observedGeneration follows the generation', async () => {
  await kOk('patch', 'attachment', 'db-1-backend', '--type=merge', '-p', '{"spec":{"ipv4Address":"10.89.0.20"}}');
  const db = await until(async () => {
    const o = await w.get('Attachment', 'db-1-backend');
    return o?.status?.observedGeneration === 2 && o.status.ipv4Address === '10.89.0.20/24' && nodeReady(o, NODE) ? o : undefined;
  }, 'db-1-backend at generation 2');
  assert.equal(db.metadata.generation, 2);
  const addrs = (await runOk({ argv: inNs(ns('db-1'), ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']) })).stdout;
  assert.match(addrs, /10\.89\.0\.20\/24/);
  assert.doesNotMatch(addrs, /10\.89\.0\.10\//);
});

test('an object the CRD accepts but nodenet refuses: Ready=False InvalidSpec, an Event, nothing in the kernel', async () => {
  const changes = agent.kernelChanges().length;
  await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name: 'bad', namespace: 'default' }, spec: { nodeName: NODE, netns: { path: '/proc/1/ns/net' } } });
  const bad = await until(async () => ((await w.get('Sandbox', 'bad'))?.status ? w.get('Sandbox', 'bad') : undefined), 'status of bad');
  assert.equal(readyOf(bad), 'False:InvalidSpec');
  assert.match(bad!.status.conditions[0].message, /spec\.netns\.path: .*host's own namespace/);
  assert.equal(bad!.metadata.finalizers, undefined, 'never realized, so never held');
  const events = await kOk('get', 'events', '--field-selector', 'involvedObject.name=bad', '-o', 'jsonpath={.items[*].reason}');
  assert.match(events, /InvalidSpec/);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(agent.kernelChanges().length, changes, 'no kernel change for an invalid object');
  assert.equal(await w.remove('Sandbox', 'bad'), 200);
});

test('tenants: an Attachment in a namespace the Network does not allow is never realized; revoking access tears one down', async () => {
  for (const t of ['team-a', 'team-b']) await w.namespace(t);
  await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Network', metadata: { name: 'tenant' }, spec: { allowedNamespaces: ['team-a'], ipam: { ipv4: { subnet: '10.77.0.0/24' } } } });
  for (const [t, sb] of [['team-a', 'ta'], ['team-b', 'tb']] as const) {
    await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name: sb, namespace: t }, spec: { nodeName: NODE } });
    await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Attachment', metadata: { name: 'x', namespace: t }, spec: { sandbox: sb, network: 'tenant' } });
  }
  const vethA = hostVethName('Attachment/team-a/x');
  const vethB = hostVethName('Attachment/team-b/x');
  const a = await until(async () => { const o = await w.get('Attachment', 'x', 'team-a'); return nodeReady(o, NODE) ? o : undefined; }, 'team-a/x Ready', 20_000);
  const b = await until(async () => { const o = await w.get('Attachment', 'x', 'team-b'); return readyOf(o) === 'False:NamespaceNotAllowed' ? o : undefined; }, 'team-b/x refused');
  assert.match(b.status.conditions[0].message, /namespace team-b may not join Network tenant/);
  assert.equal(b.metadata.finalizers, undefined, 'a refused attachment is never held by the node');
  assert.ok(await link(vethA), 'the allowed tenant has its veth');
  assert.equal(await link(vethB), false, 'the refused tenant has none');
  assert.equal(await link('eth0', ns('tb')), false, 'nothing inside the refused tenant\'s sandbox');
  assert.ok(await ping(ns('ta'), '10.77.0.1'), 'the allowed tenant reaches its gateway');
  assert.match(String(a.status.ipv4Address), /^10\.77\.0\./);
  // Access moves from team-a to team-b: team-a's attachment is taken off the network, team-b's is built.
  await w.patch('Network', 'tenant', { spec: { allowedNamespaces: ['team-b'] } });
  await until(async () => readyOf(await w.get('Attachment', 'x', 'team-a')) === 'False:NamespaceNotAllowed', 'team-a/x revoked');
  await until(async () => nodeReady(await w.get('Attachment', 'x', 'team-b'), NODE), 'team-b/x Ready', 20_000);
  await until(async () => !(await link(vethA)), 'team-a veth removed');
  await until(async () => ((await w.get('Attachment', 'x', 'team-a'))!.metadata.finalizers ?? []).length === 0, 'team-a/x finalizer released after its teardown');
  assert.ok(await link(vethB));
  assert.ok(await ping(ns('tb'), '10.77.0.1'), 'the newly allowed tenant reaches its gateway');
  for (const t of ['team-a', 'team-b']) assert.equal(await w.remove('Attachment', 'x', t), 200);
  for (const [t, sb] of [['team-a', 'ta'], ['team-b', 'tb']] as const) await w.remove('Sandbox', sb, t);
  await w.remove('Network', 'tenant');
  await until(async () => !(await w.get('Network', 'tenant')) && !(await link(vethB)) && !existsSync(ns('ta')) && !existsSync(ns('tb')), 'tenant objects gone', 20_000);
});

test('a dropped watch pauses kernel work (drift stays unrepaired) until every watch is back', async () => {
  const mark = agent.lines.length;
  w.server.failNext({ verb: 'watch', code: 500, count: 100_000 });
  w.server.dropWatches({ abrupt: true });
  await until(() => agent.lines.slice(mark).some((l) => l.includes('"kernel work paused"')), 'paused');
  await runOk({ argv: ['ip', 'addr', 'del', '10.89.0.1/24', 'dev', 'nn-backend'] });
  await new Promise((r) => setTimeout(r, 1500)); // three resync periods
  const during = agent.lines.slice(mark);
  assert.deepEqual(during.filter((l) => l.includes('"kernel change"')), [], 'no kernel change while disconnected');
  assert.doesNotMatch((await runOk({ argv: ['ip', '-4', '-o', 'addr', 'show', 'dev', 'nn-backend'] })).stdout, /10\.89\.0\.1\//);
  w.server.clearFaults();
  await until(() => agent.lines.slice(mark).some((l) => l.includes('"kernel work resumed"')), 'resumed', 30_000);
  await until(async () => /10\.89\.0\.1\/24/.test((await runOk({ argv: ['ip', '-4', '-o', 'addr', 'show', 'dev', 'nn-backend'] })).stdout), 'gateway address repaired');
  const after = agent.lines.slice(mark);
  const resumed = after.findIndex((l) => l.includes('"kernel work resumed"'));
  assert.ok(
    after.slice(resumed).some((l) => l.includes('"kernel change"') && l.includes('10.89.0.1/24')),
    `the repair came after resuming:\n${after.filter((l) => /kernel (change|work)|watch/.test(l)).join('\n')}`,
  );
});

test('410 Gone mid-stream: the agent relists and converges what it missed', async () => {
  const lists = w.server.countRequests({ verb: 'list', resource: 'sandboxes' });
  w.server.failNext({ verb: 'watch', resource: 'sandboxes', delayMs: 1000 });
  w.server.dropWatches();
  await w.create({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name: 'late', namespace: 'default' }, spec: { nodeName: NODE } });
  w.server.compact();
  await until(async () => nodeReady(await w.get('Sandbox', 'late'), NODE), 'late Ready', 20_000);
  assert.ok(w.server.countRequests({ verb: 'list', resource: 'sandboxes' }) > lists, 'relisted after 410');
  assert.ok(existsSync(ns('late')));
});

test('deleting: the object disappears only after its kernel objects are gone', async () => {
  const key = 'Attachment/default/web-2-frontend';
  const veth = hostVethName(key);
  assert.ok(await link(veth));
  const watch = rawWatch(w.admin, `${pathOf('Attachment')}?watch=true&fieldSelector=metadata.name=web-2-frontend&resourceVersion=${w.server.resourceVersion()}`);
  try {
    await kOk('delete', 'attachment', 'web-2-frontend', '--wait=false');
    let sawDeleting = false;
    for (;;) {
      const ev = await watch.next(15_000);
      if (ev.type === 'DELETED') break;
      if (ev.object.metadata.deletionTimestamp) sawDeleting = true;
    }
    assert.ok(sawDeleting, 'the object waited, deletionTimestamp set, for the node');
    assert.equal(await link(veth), false, 'the veth was gone before the object');
  } finally {
    watch.close();
  }
  const sbWatch = rawWatch(w.admin, `${pathOf('Sandbox')}?watch=true&fieldSelector=metadata.name=web-2&resourceVersion=${w.server.resourceVersion()}`);
  try {
    await kOk('delete', 'sandbox', 'web-2', '--wait=false');
    for (;;) if ((await sbWatch.next(15_000)).type === 'DELETED') break;
    assert.equal(existsSync(ns('web-2')), false, 'the namespace was gone before the object');
  } finally {
    sbWatch.close();
  }
});

test('a node that no longer exists does not block deletion', async () => {
  await w.create({
    apiVersion: 'nodenet.io/v1alpha1', kind: 'Network',
    metadata: { name: 'legacy', finalizers: ['node.nodenet.io/ghost'] },
    spec: { nodeSelector: { 'kubernetes.io/hostname': 'ghost' }, ipam: { ipv4: { subnet: '10.79.0.0/24' } } },
  });
  await kOk('delete', 'network', 'legacy', '--wait=false');
  await until(async () => (await w.get('Network', 'legacy')) === undefined, 'legacy gone', 20_000);
  assert.ok(agent.lines.some((l) => l.includes('removed finalizer of a node that no longer exists') && l.includes('legacy')));
});

test('a restarted agent changes nothing: no kernel change, no status write', async () => {
  const degraded = (o: Obj): boolean => (statusFor(o, NODE)?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Degraded' && c.status === 'True');
  await until(async () => !(await all()).some(degraded), 'drift holds over');
  assert.equal(await agent.stop('SIGTERM'), 0, 'graceful stop exits 0');
  w.server.resetRequests();
  agent = await startAgent();
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(agent.kernelChanges(), []);
  assert.deepEqual(w.server.requests({ verb: 'update', subresource: 'status' }).map((r) => r.path), [], 'every report was already in the API');
  for (const o of await all()) assert.ok(nodeReady(o, NODE), keyOfObj(o));
});

test('kubectl delete of everything removes every link, namespace, rule and finalizer', async () => {
  await kOk('delete', '-f', EXAMPLES, '--ignore-not-found', '--wait=true', '--timeout=60s');
  await kOk('delete', 'sandbox', 'late', '--wait=true', '--timeout=60s');
  assert.deepEqual(await all(), []);
  const links = (await runOk({ argv: ['ip', '-o', 'link', 'show'] })).stdout;
  assert.doesNotMatch(links, /nn-|nnv/);
  assert.doesNotMatch((await runOk({ argv: ['nft', 'list', 'tables'] })).stdout, /nodenet/);
  assert.deepEqual((await run({ argv: ['ls', s.netnsDir] })).stdout.trim(), '');
  assert.deepEqual(policy.refused, [], 'the ClusterRole covered every request of the agent');
  assert.deepEqual(policy.denied, [], 'the admission policy allowed every request of the agent');
});
});
