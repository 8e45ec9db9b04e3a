// `nodenet explain` agrees with real packets. The real agent (CLI) converges a node with four
// networks (masqueraded, internal, ICC off, plain) in a scratch namespace with an "outside"
// namespace behind an uplink; for every case the test asks explain and sends the packet, and
// both must give the expected outcome. Then the host turns hostile: FORWARD policy DROP (with and
// without nodenet's compat jump), forwarding off; the node's HostCompatible condition follows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { makeOutside, Responders, sh, type Outside } from '../helpers/topology.js';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { explainCli, sendReal, type Sender } from '../helpers/explain-cli.js';
import { readNodeStatus } from '../../controllers/hostcheck/node-status.js';
import { runOk } from '../../controllers/lib/exec.js';

let s: Scratch;
let dirs: { dir: string; stateDir: string; netnsDir: string };
let agent: AgentProcess;
let outside: Outside;
const responders = new Responders();
// Kernel events off: these tests break paths out of band on purpose, and the agent would heal them.
const AGENT_ARGS = ['--resync', '0', '--kernel-events', 'off', '--host-check-interval', '300ms', '--node-name', 'node-a'];

before(async () => {
  s = await scratch();
  outside = await makeOutside(s);
  const dir = mkdtempSync(join(s.stateDir + '-manifests-'));
  copyFileSync(join(REPO_ROOT, 'test/unit/controllers/explain/fixtures/objects.yaml'), join(dir, 'objects.yaml'));
  dirs = { dir, stateDir: s.stateDir, netnsDir: s.netnsDir };
  agent = await startAgent(dirs, AGENT_ARGS);
  await responders.start(join(s.netnsDir, 'web-1'), { port: 80, label: 'web-1' });
  await responders.start(outside.path, { port: 7000, label: 'outside', host: outside.serviceAddr });
});

after(async () => {
  responders.stopAll();
  await agent?.stop('SIGKILL');
  await s?.cleanup();
});

type Outcome = 'reachable' | 'blocked';
interface Case {
  from: string;
  to: string;
  want: Outcome;
  /** What decides, as explain must name it. */
  decided?: RegExp;
}

function sender(from: string): Sender {
  if (from === 'host') return null;
  if (from.startsWith('outside')) return outside.path;
  return join(s.netnsDir, from);
}

function target(to: string): { addr: string; port?: number } {
  const m = /^(.*?)(?::(\d+))?$/.exec(to)!;
  const names: Record<string, string> = { 'web-1': '10.88.0.2', 'web-2': '10.88.0.3', 'db-1': '10.89.0.10', 'q-2': '10.90.0.3', 'o-1': '10.91.0.2', outside: '203.0.113.1' };
  return { addr: names[m[1]!] ?? m[1]!, ...(m[2] ? { port: Number(m[2]) } : {}) };
}

async function check(c: Case): Promise<void> {
  const e = await explainCli(dirs.stateDir, c.from, c.to);
  const t = target(c.to);
  const real = (await sendReal(sender(c.from), t.addr, t.port)) ? 'reachable' : 'blocked';
  const label = `${c.from} -> ${c.to}: explain says ${e.verdict} (${e.reason}), the packet was ${real}`;
  assert.equal(e.verdict, real, label);
  assert.equal(real, c.want, label);
  if (c.decided) assert.match(`${e.reason} ${e.decidedBy ?? ''}`, c.decided, label);
}

const RULE = (chain: string): RegExp => new RegExp(`nodenet rule inet nodenet ${chain} handle \\d+`);

test('same network with ICC on; ICC off', async () => {
  await check({ from: 'web-1', to: 'web-2', want: 'reachable', decided: RULE('into_nn-frontend') });
  await check({ from: 'web-1', to: 'db-1', want: 'reachable', decided: RULE('into_nn-backend') });
  await check({ from: 'q-1', to: 'q-2', want: 'blocked', decided: /enableICC: false.*into_nn-quiet/ });
});

test('two isolated networks, both ways', async () => {
  await check({ from: 'o-1', to: 'web-2', want: 'blocked', decided: /networks other and frontend are isolated.*into_nn-frontend/ });
  await check({ from: 'web-2', to: 'o-1', want: 'blocked', decided: /networks frontend and other are isolated.*into_nn-other/ });
});

test('internal network to the outside: no route, and with a hand-made route the internal drop', async () => {
  await check({ from: 'db-1', to: 'outside', want: 'blocked', decided: /no route to 203\.0\.113\.1 in sandbox db-1/ });
  await check({ from: 'db-1', to: '192.168.60.1:7000', want: 'blocked', decided: /no default route/ });
  await check({ from: 'web-2', to: 'db-1', want: 'blocked', decided: /network backend is internal: nothing from outside it may enter/ });
  const db = join(s.netnsDir, 'db-1');
  await sh(db, 'ip', 'route', 'add', 'default', 'via', '10.89.0.1');
  try {
    await check({ from: 'db-1', to: '192.168.60.1:7000', want: 'blocked', decided: /network backend is internal: nothing may leave it.*filter_forward/ });
  } finally {
    await sh(db, 'ip', 'route', 'del', 'default', 'via', '10.89.0.1');
  }
  await check({ from: 'web-2', to: '192.168.60.1:7000', want: 'reachable' });
});

test('published port from outside, from the host and via hairpin; a sandbox address is closed from outside', async () => {
  await check({ from: 'outside=192.168.50.2', to: '192.168.50.1:8080', want: 'reachable', decided: /published port of network frontend/ });
  await check({ from: 'host', to: '192.168.50.1:8080', want: 'reachable' });
  await check({ from: 'host', to: '127.0.0.1:8080', want: 'reachable' });
  await check({ from: 'web-1', to: '192.168.50.1:8080', want: 'reachable', decided: /published port/ });
  await check({ from: 'web-2', to: '10.88.0.1:8080', want: 'reachable', decided: /published port/ });
  await check({ from: 'outside=192.168.50.2', to: '10.88.0.2:80', want: 'blocked', decided: /only on published ports/ });
});

test('host FORWARD policy DROP: flows with our compat jump, blocked without it; the node reports the conflict', async () => {
  await runOk({ argv: ['iptables', '-w', '-P', 'FORWARD', 'DROP'] });
  await runOk({ argv: ['iptables', '-w', '-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'] });
  try {
    // A restarted agent reads the iptables state and puts its jump in.
    await agent.stop('SIGTERM');
    agent = await startAgent(dirs, AGENT_ARGS);
    await waitNode('True');
    await check({ from: 'web-1', to: 'web-2', want: 'reachable' });
    await check({ from: 'outside=192.168.50.2', to: '192.168.50.1:8080', want: 'reachable' });
    await check({ from: 'web-2', to: '192.168.60.1:7000', want: 'reachable' });
    await runOk({ argv: ['iptables', '-w', '-D', 'FORWARD', '-m', 'comment', '--comment', 'nodenet', '-j', 'NODENET-FORWARD'] });
    const drop = /iptables FORWARD policy is DROP.*policy drop of chain ip filter FORWARD/;
    await check({ from: 'web-1', to: 'web-2', want: 'blocked', decided: drop });
    await check({ from: 'outside=192.168.50.2', to: '192.168.50.1:8080', want: 'blocked', decided: drop });
    await check({ from: 'web-2', to: '192.168.60.1:7000', want: 'blocked', decided: drop });
    const node = await waitNode('False');
    assert.equal(node.status.conditions[0]!.reason, 'ForwardPolicyDrop');
    assert.match(node.status.conditions[0]!.message, /fix: let nodenet keep its compat chain/);
  } finally {
    await runOk({ argv: ['iptables', '-w', '-P', 'FORWARD', 'ACCEPT'] });
    await runOk({ argv: ['iptables', '-w', '-F', 'FORWARD'] });
  }
  await waitNode('True');
  await check({ from: 'web-1', to: 'web-2', want: 'reachable' });
});

test('forwarding off on the host: routed traffic stops, bridged traffic does not; the node says so', async () => {
  await runOk({ argv: ['sysctl', '-qw', 'net.ipv4.ip_forward=0'] });
  try {
    await check({ from: 'web-2', to: '192.168.60.1:7000', want: 'blocked', decided: /sysctl net\.ipv4\.conf\.nn-frontend\.forwarding=0/ });
    await check({ from: 'web-1', to: 'web-2', want: 'reachable' });
    const node = await waitNode('False');
    assert.equal(node.status.conflicts[0]!.reason, 'IpForwardOff');
  } finally {
    await runOk({ argv: ['sysctl', '-qw', 'net.ipv4.ip_forward=1'] });
  }
  await waitNode('True');
});

async function waitNode(status: 'True' | 'False', timeoutMs = 10_000): Promise<ReturnType<typeof readNodeStatus>[number]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const n = readNodeStatus(dirs.stateDir).find((x) => x.name === 'node-a');
    if (n?.status.conditions[0]?.status === status) return n;
    if (Date.now() > end) throw new Error(`node condition did not become ${status}: ${JSON.stringify(n?.status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
