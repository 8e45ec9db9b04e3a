// The agent (CLI, file mode) on the shipped examples plus a few extra networks, in a scratch
// namespace, checked with real packets: same-network traffic, ICC off, isolation, internal,
// masquerade, published ports from outside / the host / hairpin, an edited static IP, a restart
// that keeps every address and changes nothing, and deleting the files removing everything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { makeOutside, ping, Responders, tcpAsk, inNs, type Outside } from '../helpers/topology.js';
import { allReady, CLI, startAgent, statusMap, waitStatus, type AgentProcess } from '../helpers/agent-process.js';
import { run, runOk } from '../../controllers/lib/exec.js';
import { Ledger } from '../../controllers/state/ledger.js';

const EXTRA = `
apiVersion: nodenet.io/v1alpha1
kind: Network
metadata: {name: quiet}
spec:
  bridge: {enableICC: false}
  ipam: {ipv4: {subnet: 10.90.0.0/24}}
---
apiVersion: nodenet.io/v1alpha1
kind: Network
metadata: {name: other}
spec:
  ipam: {ipv4: {subnet: 10.91.0.0/24}}
---
{apiVersion: nodenet.io/v1alpha1, kind: Sandbox, metadata: {name: q-1}, spec: {}}
---
{apiVersion: nodenet.io/v1alpha1, kind: Sandbox, metadata: {name: q-2}, spec: {}}
---
{apiVersion: nodenet.io/v1alpha1, kind: Sandbox, metadata: {name: o-1}, spec: {}}
---
{apiVersion: nodenet.io/v1alpha1, kind: Attachment, metadata: {name: q-1-quiet}, spec: {sandbox: q-1, network: quiet}}
---
{apiVersion: nodenet.io/v1alpha1, kind: Attachment, metadata: {name: q-2-quiet}, spec: {sandbox: q-2, network: quiet}}
---
{apiVersion: nodenet.io/v1alpha1, kind: Attachment, metadata: {name: o-1-other}, spec: {sandbox: o-1, network: other}}
`;

const KEYS = [
  'Network/frontend', 'Network/backend', 'Network/quiet', 'Network/other',
  'Sandbox/default/web-1', 'Sandbox/default/web-2', 'Sandbox/default/db-1', 'Sandbox/default/q-1', 'Sandbox/default/q-2', 'Sandbox/default/o-1',
  'Attachment/default/web-1-frontend', 'Attachment/default/web-1-backend', 'Attachment/default/web-2-frontend', 'Attachment/default/db-1-backend',
  'Attachment/default/q-1-quiet', 'Attachment/default/q-2-quiet', 'Attachment/default/o-1-other',
];

let s: Scratch;
let dirs: { dir: string; stateDir: string; netnsDir: string };
let agent: AgentProcess;
let outside: Outside;
const responders = new Responders();
const ns = (name: string): string => join(dirs.netnsDir, name);
const ipOf = (key: string): string => String(statusMap(dirs.stateDir).get(key)!.status.ipv4Address).split('/')[0]!;

before(async () => {
  s = await scratch();
  outside = await makeOutside(s);
  const dir = mkdtempSync(join(s.stateDir + '-manifests-'));
  cpSync(join(REPO_ROOT, 'manifests/examples/netconf'), dir, { recursive: true });
  writeFileSync(join(dir, 'extra.yaml'), EXTRA);
  dirs = { dir, stateDir: s.stateDir, netnsDir: s.netnsDir };
  const started = Date.now();
  agent = await startAgent(dirs);
  await waitStatus(dirs.stateDir, allReady(KEYS));
  console.log(`# converged ${KEYS.length} objects in ${Date.now() - started} ms (agent start to all Ready)`);
});

after(async () => {
  responders.stopAll();
  await agent?.stop('SIGKILL');
  await s?.cleanup();
});

test('sandboxes on the same network reach each other; default route via the preferred attachment', async () => {
  assert.ok(await ping(ns('web-1'), ipOf('Attachment/default/web-2-frontend')));
  assert.ok(await ping(ns('web-1'), ipOf('Attachment/default/db-1-backend')), 'web-1 reaches db-1 on backend');
  const routes = (await runOk({ argv: inNs(ns('web-1'), ['ip', '-4', 'route', 'show', 'default']) })).stdout;
  assert.match(routes, /default via 10\.88\.0\.1 dev eth0/);
});

test('ICC off: sandboxes cannot talk, the gateway still answers', async () => {
  assert.equal(await ping(ns('q-1'), ipOf('Attachment/default/q-2-quiet')), false);
  assert.ok(await ping(ns('q-1'), '10.90.0.1'));
});

test('different networks are isolated in both directions', async () => {
  assert.equal(await ping(ns('o-1'), ipOf('Attachment/default/web-2-frontend')), false);
  assert.equal(await ping(ns('web-2'), ipOf('Attachment/default/o-1-other')), false);
});

test('an internal network cannot reach the outside; a masqueraded one is seen as the host', async () => {
  await responders.start(outside.path, { port: 7000, label: 'outside', host: outside.serviceAddr });
  assert.equal(await tcpAsk(ns('db-1'), outside.serviceAddr, 7000), undefined);
  assert.equal(await ping(ns('db-1'), outside.serviceAddr), false);
  assert.equal(await tcpAsk(ns('web-2'), outside.serviceAddr, 7000), `outside ${outside.hostAddr}`);
});

test('a published TCP port answers from outside, from the host (own address and 127.0.0.1) and via hairpin', async () => {
  await responders.start(ns('web-1'), { port: 80, label: 'web-1' });
  assert.match((await tcpAsk(outside.path, outside.hostAddr, 8080)) ?? 'nothing', /^web-1 /);
  assert.match((await tcpAsk(null, outside.hostAddr, 8080)) ?? 'nothing', /^web-1 /);
  assert.match((await tcpAsk(null, '127.0.0.1', 8080)) ?? 'nothing', /^web-1 /);
  assert.match((await tcpAsk(ns('web-1'), outside.hostAddr, 8080)) ?? 'nothing', /^web-1 /, 'hairpin to itself');
  assert.match((await tcpAsk(ns('web-2'), outside.hostAddr, 8080)) ?? 'nothing', /^web-1 /, 'hairpin from a neighbour');
});

test('hosts, resolv.conf and hostname files are written in the state dir', () => {
  const files = statusMap(dirs.stateDir).get('Sandbox/default/web-1')!.status;
  const hosts = readFileSync(String(files.hostsFile), 'utf8');
  assert.match(hosts, new RegExp(`${ipOf('Attachment/default/web-1-frontend').replace(/\./g, '\\.')}\\tweb-1 web`));
  assert.match(hosts, /10\.89\.0\.10\tdb/, 'the alias of db-1 on the shared backend network');
  assert.equal(readFileSync(String(files.hostnameFile), 'utf8'), 'web-1\n');
  assert.ok(existsSync(String(files.resolvConf)));
});

test('editing a static IP moves the address', async () => {
  const file = join(dirs.dir, 'db/db-1.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('ipv4Address: 10.89.0.10', 'ipv4Address: 10.89.0.20'));
  await waitStatus(dirs.stateDir, (m) => String(m.get('Attachment/default/db-1-backend')?.status.ipv4Address) === '10.89.0.20/24');
  const addrs = (await runOk({ argv: inNs(ns('db-1'), ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']) })).stdout;
  assert.match(addrs, /10\.89\.0\.20\/24/);
  assert.doesNotMatch(addrs, /10\.89\.0\.10\//);
  assert.ok(await ping(ns('web-1'), '10.89.0.20'));
});

test('nodenet plan: nothing to do on a converged node; one edit shows exactly its change; invalid input exits 2', async () => {
  const plan = (dir: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    run({ argv: [process.execPath, CLI, 'plan', '--dir', dir, '--state-dir', dirs.stateDir, '--netns-dir', dirs.netnsDir] });
  const same = await plan(dirs.dir);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /No changes/);
  const edited = mkdtempSync(join(s.stateDir + '-plan-'));
  cpSync(dirs.dir, edited, { recursive: true });
  const file = join(edited, 'web/web-2-frontend.yaml');
  writeFileSync(file, readFileSync(file, 'utf8') + '  ports: [{hostPort: 9090, containerPort: 90}]\n');
  const one = await plan(edited);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(one.stdout.trim().split('\n').filter((l) => l.startsWith('add element') || l.startsWith('ip ') || l.startsWith('nsenter')).map((l) => l.replace(/ : .*/, '')), [
    'add element inet nodenet dnat4_any { tcp . 9090',
    `add element inet nodenet published4 { ${ipOf('Attachment/default/web-2-frontend')} . tcp . 90 }`,
  ]);
  writeFileSync(file, readFileSync(file, 'utf8').replace('hostPort: 9090', 'hostPort: 99999'));
  const bad = await plan(edited);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /web-2-frontend\.yaml:\d+ .*spec\.ports\[0\]\.hostPort/);
});

test('a restarted agent keeps every address and makes no kernel change', async () => {
  const before = [...statusMap(dirs.stateDir).entries()].map(([k, r]) => `${k} ${String(r.status.ipv4Address ?? '')}`).sort();
  assert.equal(await agent.stop('SIGTERM'), 0, 'graceful stop exits 0');
  assert.ok(await ping(ns('web-1'), ipOf('Attachment/default/web-2-frontend')), 'the dataplane stays up while the agent is down');
  agent = await startAgent(dirs);
  await waitStatus(dirs.stateDir, allReady(KEYS));
  const again = [...statusMap(dirs.stateDir).entries()].map(([k, r]) => `${k} ${String(r.status.ipv4Address ?? '')}`).sort();
  assert.deepEqual(again, before);
  assert.deepEqual(agent.kernelChanges(), [], 'no kernel change on restart');
});

test('deleting the files removes every link, namespace, rule and allocation', async () => {
  for (const f of ['networks.yaml', 'extra.yaml', 'db', 'web']) rmSync(join(dirs.dir, f), { recursive: true, force: true });
  await waitStatus(dirs.stateDir, (m) => m.size === 0);
  const links = (await runOk({ argv: ['ip', '-o', 'link', 'show'] })).stdout;
  assert.doesNotMatch(links, /nn-|nnv/);
  const remaining = (await run({ argv: ['ls', dirs.netnsDir] })).stdout.trim().split('\n').filter((x) => x && x !== 'outside');
  assert.deepEqual(remaining, []);
  const tables = (await runOk({ argv: ['nft', 'list', 'tables'] })).stdout;
  assert.doesNotMatch(tables, /nodenet/);
  // The state is state.json plus its journal: read it the way the agent does.
  const state = Ledger.load(dirs.stateDir).snapshot();
  assert.deepEqual(state.allocations, {});
  assert.deepEqual(state.attachments, {});
});
