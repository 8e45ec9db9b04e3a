// Probes as conditions, against the real kernel: the agent (CLI) with --probes all checks the
// gateway, the sandbox's declared resolver and its published port; breaking each path out of band
// turns its condition False, healing it turns it True again, and Ready never moves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { Responders, sh } from '../helpers/topology.js';
import { allReady, startAgent, statusMap, waitStatus, type AgentProcess } from '../helpers/agent-process.js';
import { runOk } from '../../controllers/lib/exec.js';
import type { Condition } from '../../api/v1alpha1/types.js';
import type { StatusRecord } from '../../controllers/status/record.js';

const OBJECTS = `
apiVersion: nodenet.io/v1alpha1
kind: Network
metadata: {name: frontend}
spec: {bridge: {masquerade: true}, ipam: {ipv4: {subnet: 10.88.0.0/24}}}
---
apiVersion: nodenet.io/v1alpha1
kind: Sandbox
metadata: {name: p-1}
spec: {dns: {nameservers: [10.88.0.1]}}
---
apiVersion: nodenet.io/v1alpha1
kind: Attachment
metadata: {name: p-1-frontend}
spec: {sandbox: p-1, network: frontend, ipv4Address: 10.88.0.5, ports: [{hostPort: 8080, containerPort: 80}]}
`;
const KEY = 'Attachment/default/p-1-frontend';

let s: Scratch;
let dirs: { dir: string; stateDir: string; netnsDir: string };
let agent: AgentProcess;
let dns: ChildProcess | undefined;
const responders = new Responders();

async function startDns(): Promise<void> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../helpers/dns-responder.js'), '10.88.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`dns responder exited ${code}`)));
  });
  dns = child;
}

function stopDns(): Promise<void> {
  const child = dns;
  dns = undefined;
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

before(async () => {
  s = await scratch();
  const dir = mkdtempSync(join(s.stateDir + '-manifests-'));
  writeFileSync(join(dir, 'objects.yaml'), OBJECTS);
  dirs = { dir, stateDir: s.stateDir, netnsDir: s.netnsDir };
  // Kernel events off: the paths are broken out of band on purpose, and drift healing would undo it.
  agent = await startAgent(dirs, ['--resync', '0', '--kernel-events', 'off', '--host-check-interval', '0', '--probes', 'all', '--probe-interval', '500ms', '--probe-timeout', '500ms']);
  await waitStatus(dirs.stateDir, allReady(['Network/frontend', 'Sandbox/default/p-1', KEY]));
  await startDns();
  await responders.start(join(s.netnsDir, 'p-1'), { port: 80, label: 'p-1' });
});

after(async () => {
  responders.stopAll();
  await stopDns();
  await agent?.stop('SIGKILL');
  await s?.cleanup();
});

const condOf = (rec: StatusRecord | undefined, type: string): Condition | undefined => ((rec?.status.conditions ?? []) as Condition[]).find((c) => c.type === type);

/** Waits for the condition; `message` also waits for a run that saw the whole break (a run in flight may have seen half). */
async function waitCondition(type: string, status: 'True' | 'False', message?: RegExp): Promise<Condition> {
  const m = await waitStatus(dirs.stateDir, (x) => condOf(x.get(KEY), type)?.status === status && (!message || message.test(condOf(x.get(KEY), type)!.message)), 15_000);
  const rec = m.get(KEY)!;
  assert.equal(condOf(rec, 'Ready')?.status, 'True', 'probes never touch Ready');
  return condOf(rec, type)!;
}

test('all three probes pass on a converged attachment, with latencies', async () => {
  assert.match((await waitCondition('GatewayReachable', 'True')).message, /^10\.88\.0\.1 answered ICMP echo in [\d.]+ ms$/);
  assert.match((await waitCondition('DnsReachable', 'True')).message, /^10\.88\.0\.1 answered in [\d.]+ ms$/);
  assert.match((await waitCondition('PortsReachable', 'True')).message, /^8080\/tcp from the host \(127\.0\.0\.1\) in [\d.]+ ms and via hairpin \(10\.88\.0\.1\) in [\d.]+ ms$/);
});

test('gateway: the veth taken off the bridge out of band, then put back', async () => {
  const hostIf = String(statusMap(dirs.stateDir).get(KEY)!.status.hostInterface);
  await sh(null, 'ip', 'link', 'set', hostIf, 'nomaster');
  const bad = await waitCondition('GatewayReachable', 'False');
  assert.equal(bad.reason, 'Unreachable');
  await sh(null, 'ip', 'link', 'set', hostIf, 'master', 'nn-frontend');
  await sh(null, 'ip', 'link', 'set', hostIf, 'type', 'bridge_slave', 'hairpin', 'on');
  await waitCondition('GatewayReachable', 'True');
});

test('ports: the DNAT mapping deleted out of band, then restored', async () => {
  await runOk({ argv: ['nft', 'delete', 'element', 'inet', 'nodenet', 'dnat4_any', '{', 'tcp', '.', '8080', '}'] });
  const bad = await waitCondition('PortsReachable', 'False', /from the host/);
  assert.equal(bad.reason, 'Unreachable');
  assert.equal(bad.message, '8080/tcp from the host (127.0.0.1:8080): connection refused; 8080/tcp via hairpin (10.88.0.1:8080): connection refused');
  await runOk({ argv: ['nft', 'add', 'element', 'inet', 'nodenet', 'dnat4_any', '{', 'tcp', '.', '8080', ':', '10.88.0.5', '.', '80', '}'] });
  await waitCondition('PortsReachable', 'True');
});

test('dns: the resolver stops answering, then comes back', async () => {
  await stopDns();
  const bad = await waitCondition('DnsReachable', 'False');
  assert.equal(bad.reason, 'NoAnswer');
  assert.match(bad.message, /^10\.88\.0\.1:53: /);
  await startDns();
  await waitCondition('DnsReachable', 'True');
});
