// The probe runner with a fake executor: conditions written beside the reconciler's, reruns on
// change and on demand, Unknown while not converged, the global concurrency limit, metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { ProbeRunner } from '../../../../controllers/probes/runner.js';
import type { ProbeExec } from '../../../../controllers/probes/exec.js';
import type { HelperResult } from '../../../../controllers/probes/net-checks.js';
import { CHECKS, type CheckName } from '../../../../controllers/probes/plan.js';
import { StatusStore } from '../../../../controllers/status/store.js';
import { MemoryStatusSink } from '../../../../controllers/status/memory-sink.js';
import { DesiredStore } from '../../../../controllers/store/desired.js';
import { Ledger } from '../../../../controllers/state/ledger.js';
import { report } from '../../../../controllers/reconcile/report.js';
import type { EngineContext } from '../../../../controllers/reconcile/context.js';
import type { StatusRecord } from '../../../../controllers/status/record.js';
import type { Condition, Sandbox } from '../../../../api/v1alpha1/types.js';

interface FakeExec extends ProbeExec {
  gatewayOk: boolean;
  portOk: boolean;
  dnsOk: boolean;
  inFlight: number;
  maxInFlight: number;
  calls: string[];
}

function fakeExec(delayMs = 0): FakeExec {
  const r = (ok: boolean, ms: number): HelperResult => (ok ? { ok, ms } : { ok, ms, error: 'no answer within 1000 ms' });
  const track = async <T>(what: string, fn: () => T): Promise<T> => {
    f.calls.push(what);
    f.inFlight++;
    f.maxInFlight = Math.max(f.maxInFlight, f.inFlight);
    await new Promise((res) => setTimeout(res, delayMs));
    f.inFlight--;
    return fn();
  };
  const f: FakeExec = {
    gatewayOk: true,
    portOk: true,
    dnsOk: true,
    inFlight: 0,
    maxInFlight: 0,
    calls: [],
    ping: (ns, addr) => track(`ping ${ns} ${addr}`, () => r(f.gatewayOk, 0.05)),
    inSandbox: (ns, req) => track(`helper ${ns} ${JSON.stringify(req.tcp)} ${JSON.stringify(req.dns)}`, () => ({ tcp: req.tcp.map(() => r(f.portOk, 0.4)), dns: req.dns.map(() => r(f.dnsOk, 0.3)) })),
    fromHost: async (addr, port) => {
      f.calls.push(`host ${addr}:${port}`);
      return r(f.portOk, 0.2);
    },
  };
  return f;
}

function ready(key: string, status: 'True' | 'False', extra: Record<string, unknown> = {}): StatusRecord {
  const [, ns, name] = key.split('/');
  const conditions: Condition[] = [{ type: 'Ready', status, reason: status === 'True' ? 'Converged' : 'SandboxNotReady', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' }];
  return { kind: 'Attachment', namespace: ns!, name: name!, generation: 1, status: { conditions, gateway: '10.88.0.1', ports: [{ hostIP: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' }], ...extra }, updatedAt: '' };
}

async function setup(n: number, opts: { concurrency?: number; delayMs?: number } = {}): Promise<{ status: StatusStore; runner: ProbeRunner; exec: FakeExec; registry: Registry; keys: string[] }> {
  const status = new StatusStore(new MemoryStatusSink());
  const store = new DesiredStore(() => []);
  const sandbox: Sandbox = { apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name: 'sb', namespace: 'default' }, spec: { dns: { nameservers: ['10.88.0.1'] } } };
  store.apply([{ key: 'Sandbox/default/sb', object: sandbox, origin: { source: 'memory' }, specHash: 'x' }], []);
  const ledger = Ledger.memory();
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = `Attachment/default/a${i}`;
    keys.push(key);
    ledger.set('attachments', key, { network: 'frontend', sandbox: 'Sandbox/default/sb', netnsPath: `/run/netns/sb${i}`, interface: 'eth0' });
    await status.put(key, ready(key, 'True'));
  }
  const exec = fakeExec(opts.delayMs);
  const registry = new Registry();
  const runner = new ProbeRunner({ checks: new Set<CheckName>(CHECKS), intervalMs: 0, timeoutMs: 1000, concurrency: opts.concurrency ?? 4, maxPorts: 8, status, store, ledger, registry, exec });
  return { status, runner, exec, registry, keys };
}

const cond = (s: StatusStore, key: string, type: string): Condition | undefined => (s.get(key)?.status.conditions as Condition[]).find((c) => c.type === type);

test('results become conditions next to Ready; the reconciler\'s next report keeps them', async () => {
  const { status, runner, keys } = await setup(1);
  runner.start();
  await runner.idle();
  const k = keys[0]!;
  assert.deepEqual(['Ready', 'GatewayReachable', 'DnsReachable', 'PortsReachable'].map((t) => cond(status, k, t)?.status), ['True', 'True', 'True', 'True']);
  assert.equal(cond(status, k, 'PortsReachable')!.message, '8080/tcp from the host (127.0.0.1) in 0.20 ms and via hairpin (10.88.0.1) in 0.40 ms');
  const ctx = { status, now: () => '2025-01-02T00:00:00Z' } as unknown as EngineContext;
  const desired = { key: k, object: { apiVersion: 'nodenet.io/v1alpha1', kind: 'Attachment', metadata: { name: 'a0', namespace: 'default', generation: 1 }, spec: { sandbox: 'sb', network: 'frontend' } }, origin: { source: 'memory' }, specHash: 'x' } as never;
  await report(ctx, desired, { ready: true, reason: 'Converged', message: '' });
  assert.equal(cond(status, k, 'GatewayReachable')?.status, 'True', 'report() keeps probe conditions');
  await runner.stop();
});

test('a broken path turns a condition False (gauge counts it), healed turns it True again', async () => {
  const { status, runner, exec, registry, keys } = await setup(2);
  runner.start();
  await runner.idle();
  exec.gatewayOk = false;
  runner.probeAll();
  await runner.idle();
  for (const k of keys) assert.deepEqual([cond(status, k, 'GatewayReachable')!.status, cond(status, k, 'GatewayReachable')!.reason], ['False', 'Unreachable']);
  assert.match(await registry.getSingleMetricAsString('nodenet_probe_failing'), /nodenet_probe_failing\{check="gateway"\} 2/);
  exec.gatewayOk = true;
  runner.probeAll();
  await runner.idle();
  for (const k of keys) assert.equal(cond(status, k, 'GatewayReachable')!.status, 'True');
  assert.match(await registry.getSingleMetricAsString('nodenet_probe_failing'), /nodenet_probe_failing\{check="gateway"\} 0/);
  assert.match(await registry.getSingleMetricAsString('nodenet_probe_runs_total'), /check="gateway",result="failure"\} 2/);
  await runner.stop();
});

test('not ready: probe conditions go Unknown and nothing is probed; a change re-runs them', async () => {
  const { status, runner, exec, keys } = await setup(1);
  runner.start();
  await runner.idle();
  const k = keys[0]!;
  const calls = exec.calls.length;
  const prev = status.get(k)!;
  await status.put(k, { ...prev, status: { ...prev.status, conditions: (prev.status.conditions as Condition[]).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const } : c)) } });
  await runner.idle();
  assert.equal(exec.calls.length, calls, 'no probe of a not-ready attachment');
  assert.deepEqual([cond(status, k, 'GatewayReachable')!.status, cond(status, k, 'GatewayReachable')!.reason], ['Unknown', 'NotConverged']);
  const again = status.get(k)!;
  await status.put(k, { ...again, status: { ...again.status, conditions: (again.status.conditions as Condition[]).map((c) => (c.type === 'Ready' ? { ...c, status: 'True' as const } : c)), gateway: '10.88.0.254' } });
  await runner.idle();
  assert.ok(exec.calls.includes(`ping /run/netns/sb0 10.88.0.254`), 'the new gateway is probed');
  assert.equal(cond(status, k, 'GatewayReachable')!.status, 'True');
  await runner.stop();
});

test('the concurrency limit bounds probe processes node-wide; each attachment starts at most two', async () => {
  const { runner, exec } = await setup(12, { concurrency: 3, delayMs: 15 });
  runner.start();
  await runner.idle();
  const spawned = exec.calls.filter((c) => !c.startsWith('host '));
  assert.equal(spawned.length, 24, 'one ping and one helper per attachment');
  assert.ok(exec.maxInFlight <= 6, `at most 3 attachments x 2 processes in flight, saw ${exec.maxInFlight}`);
  assert.ok(exec.maxInFlight >= 3, 'and they do run in parallel');
  await runner.stop();
});

test('a probe\'s own status write does not trigger another probe', async () => {
  const { runner, exec } = await setup(1);
  runner.start();
  await runner.idle();
  await new Promise((r) => setTimeout(r, 20));
  await runner.idle();
  assert.equal(exec.calls.filter((c) => c.startsWith('ping')).length, 1);
  await runner.stop();
});
