// One benchmark pass of the real agent at N sandboxes: cold convergence, then (when asked) the
// latency of one more attachment and of one changed port mapping, no-op resyncs, an idle window,
// and finally the teardown of everything. Latencies are file change -> status file says so.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createKernelDataplane } from '../controllers/dataplane/kernel.js';
import { native } from '../controllers/dataplane/netlink/native.js';
import { run, runOk } from '../controllers/lib/exec.js';
import type { StatusRecord } from '../controllers/status/record.js';
import { BenchAgent, CLI, markLog, type AgentDirs } from './agent-proc.js';
import { KernelActivity } from './kernel-activity.js';
import { median, percentile, sleep } from './stats.js';
import { allStatus, isReady, statusCount, StatusWatcher } from './status-wait.js';
import { benchSandbox, CHANGED_PORT_BASE, extraSandbox, fileOf, removeSandboxFiles, sandboxYaml, writeManifest, writeWorld, type SandboxDoc } from './workload.js';

export interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

export interface AgentFigures {
  n: number;
  coldMs: number;
  /** Spawn to the "agent ready" log line (includes GC and the final firewall sync). */
  readyMs: number;
  coldSpawns: number;
  rssAfterColdMb: number;
  oneMore?: Latency & { spawnsPerRep: number };
  oneLess?: Latency;
  portChange?: Latency & { spawnsPerRep: number };
  resync?: { ms: number[]; agentChanges: number; netlink: number; nft: number };
  idle?: { windowS: number; cpuPct: number; rssMb: number; maxRssMb: number; agentChanges: number; netlink: number; nft: number };
  teardownMs: number;
}

export interface AgentScenarioOptions {
  n: number;
  root: string;
  metricsPort: number;
  /** Repetitions of "one more attachment" (0 = skip). */
  reps: number;
  /** Repetitions of "one port mapping changed" (0 = skip). */
  portReps: number;
  /** No-op resyncs to time (0 = skip). */
  resyncs: number;
  /** Idle window in seconds (0 = skip). */
  idleS: number;
  progress(msg: string): void;
}

const key = (kind: string, name: string): string => `${kind}/default/${name}`;

function latency(xs: number[]): Latency {
  return { p50: percentile(xs, 0.5), p99: percentile(xs, 0.99), samples: xs.length };
}

const benchDp = createKernelDataplane();

function hostVeths(): number {
  const s = benchDp.session();
  try {
    return s.listLinks().filter((l) => l.name.startsWith('nnv')).length;
  } finally {
    s.close();
  }
}

export async function runAgentScenario(o: AgentScenarioOptions): Promise<AgentFigures> {
  const dirs: AgentDirs = { dir: join(o.root, 'manifests'), stateDir: join(o.root, 'state'), netnsDir: join(o.root, 'netns') };
  mkdirSync(dirs.stateDir, { recursive: true });
  native().prepareNetnsDir(dirs.netnsDir);
  writeWorld(dirs.dir, o.n);
  const agent = BenchAgent.start(dirs, o.metricsPort);
  const watcher = new StatusWatcher(dirs.stateDir);
  try {
    await agent.ready(120_000 + o.n * 50);
    const figures = await measureCold(o, agent, dirs);
    o.progress(`agent n=${o.n}: cold ${figures.coldMs.toFixed(0)} ms`);
    if (o.reps > 0) Object.assign(figures, await oneMore(o, agent, dirs, watcher));
    if (o.portReps > 0) figures.portChange = await portChange(o, agent, dirs, watcher);
    if (o.resyncs > 0) figures.resync = await resyncs(o, agent);
    if (o.idleS > 0) figures.idle = await idle(o, agent);
    figures.teardownMs = await teardown(o, dirs);
    o.progress(`agent n=${o.n}: teardown ${figures.teardownMs.toFixed(0)} ms`);
    return figures;
  } finally {
    watcher.close();
    await agent.stop();
    await cleanupAgentWorld(dirs);
  }
}

async function measureCold(o: AgentScenarioOptions, agent: BenchAgent, dirs: AgentDirs): Promise<AgentFigures> {
  const all = allStatus(dirs.stateDir);
  const objects = all.filter(({ rec }) => rec.kind !== 'Network' || rec.name.startsWith('bench-'));
  const notReady = objects.filter(({ rec }) => !isReady(rec));
  const attachments = objects.filter(({ rec }) => rec.kind === 'Attachment').length;
  if (notReady.length > 0 || attachments !== o.n) {
    throw new Error(`after "agent ready": ${attachments}/${o.n} attachments, not ready: ${notReady.slice(0, 5).map(({ rec }) => `${rec.kind}/${rec.name}`).join(', ')}`);
  }
  const lastReady = Math.max(...objects.map((x) => x.mtimeMs));
  await progressMemory(o, agent, 'after cold convergence');
  return {
    n: o.n,
    coldMs: lastReady - agent.spawnedEpoch,
    readyMs: agent.readyAt! - agent.spawnedAt,
    coldSpawns: await agent.spawned(),
    rssAfterColdMb: agent.rssKb() / 1024,
    teardownMs: NaN,
  };
}

async function oneMore(o: AgentScenarioOptions, agent: BenchAgent, dirs: AgentDirs, w: StatusWatcher): Promise<Pick<AgentFigures, 'oneMore' | 'oneLess'>> {
  const add: number[] = [];
  const remove: number[] = [];
  const spawns0 = await agent.spawned();
  for (let j = 0; j < o.reps; j++) {
    const d: SandboxDoc = extraSandbox(j, o.n);
    markLog(`one more ${j}`);
    const t0 = performance.now();
    writeManifest(fileOf(dirs.dir, d), sandboxYaml(d));
    add.push((await w.until(key('Attachment', d.attachment), isReady)) - t0);
    markLog(`one more ${j} ready`);
    const t1 = performance.now();
    removeSandboxFiles(dirs.dir, [d]);
    await w.until(key('Attachment', d.attachment), (r) => r === undefined);
    remove.push((await w.until(key('Sandbox', d.sandbox), (r) => r === undefined)) - t1);
    await sleep(20);
  }
  const spawnsPerRep = ((await agent.spawned()) - spawns0) / o.reps;
  o.progress(`agent n=${o.n}: one more p50 ${percentile(add, 0.5).toFixed(1)} ms, p99 ${percentile(add, 0.99).toFixed(1)} ms`);
  return { oneMore: { ...latency(add), spawnsPerRep }, oneLess: latency(remove) };
}

async function portChange(o: AgentScenarioOptions, agent: BenchAgent, dirs: AgentDirs, w: StatusWatcher): Promise<Latency & { spawnsPerRep: number }> {
  const xs: number[] = [];
  const spawns0 = await agent.spawned();
  for (let j = 0; j < o.portReps; j++) {
    const d: SandboxDoc = { ...benchSandbox(j % o.n, o.n), hostPort: CHANGED_PORT_BASE + j };
    const t0 = performance.now();
    writeManifest(fileOf(dirs.dir, d), sandboxYaml(d));
    const published = (r: StatusRecord | undefined): boolean =>
      isReady(r) && (r?.status.ports as { hostPort: number }[] | undefined)?.[0]?.hostPort === d.hostPort && r?.status.observedGeneration === r?.generation;
    xs.push((await w.until(key('Attachment', d.attachment), published)) - t0);
    await sleep(20);
  }
  const spawnsPerRep = ((await agent.spawned()) - spawns0) / o.portReps;
  o.progress(`agent n=${o.n}: port change p50 ${percentile(xs, 0.5).toFixed(1)} ms`);
  return { ...latency(xs), spawnsPerRep };
}

async function resyncs(o: AgentScenarioOptions, agent: BenchAgent): Promise<NonNullable<AgentFigures['resync']>> {
  o.progress(`agent n=${o.n}: kernel quiet after ${(await KernelActivity.quiet()) / 1000} s`);
  const activity = await KernelActivity.start();
  const lines0 = agent.kernelChangeLines + agent.nftChanges;
  const ms: number[] = [];
  let agentChanges = 0;
  for (let i = 0; i < o.resyncs; i++) {
    const r = await agent.resync();
    ms.push(r.ms);
    agentChanges += r.kernelChanges;
    await sleep(200);
  }
  const counted = await activity.stop();
  if (counted.netlink > 0) o.progress(`resync: netlink events ${JSON.stringify(counted.kinds)}`);
  // The agent's report and its audit log must agree; take the larger.
  agentChanges = Math.max(agentChanges, agent.kernelChangeLines + agent.nftChanges - lines0);
  o.progress(`agent n=${o.n}: no-op resync median ${median(ms).toFixed(1)} ms, ${agentChanges} changes`);
  return { ms, agentChanges, netlink: counted.netlink, nft: counted.nft };
}

/** RSS against the V8 heap (from the agent's metrics): tells heap growth from memory outside it. */
async function progressMemory(o: AgentScenarioOptions, agent: BenchAgent, when: string): Promise<void> {
  const m = await agent.metrics();
  const mb = (k: string): string => ((m.get(k) ?? NaN) / 1048576).toFixed(0);
  o.progress(
    `agent n=${o.n}: memory ${when}: rss ${(agent.rssKb() / 1024).toFixed(0)} MB, heap used ${mb('nodenet_process_nodejs_heap_size_used_bytes')} of ${mb('nodenet_process_nodejs_heap_size_total_bytes')} MB, external ${mb('nodenet_process_nodejs_external_memory_bytes')} MB`,
  );
}

async function idle(o: AgentScenarioOptions, agent: BenchAgent): Promise<NonNullable<AgentFigures['idle']>> {
  const hz = Number((await runOk({ argv: ['getconf', 'CLK_TCK'] })).stdout.trim()) || 100;
  o.progress(`agent n=${o.n}: kernel quiet after ${(await KernelActivity.quiet()) / 1000} s`);
  const activity = await KernelActivity.start();
  const lines0 = agent.kernelChangeLines + agent.nftChanges;
  const t0 = performance.now();
  const c0 = agent.cpuTicks();
  const rss: number[] = [];
  o.progress(`agent n=${o.n}: idle window ${o.idleS} s`);
  while (performance.now() - t0 < o.idleS * 1000) {
    rss.push(agent.rssKb() / 1024);
    await sleep(1000);
  }
  const c1 = agent.cpuTicks();
  const windowS = (performance.now() - t0) / 1000;
  await progressMemory(o, agent, 'after the idle window');
  const counted = await activity.stop();
  if (counted.netlink > 0) o.progress(`idle: netlink events ${JSON.stringify(counted.kinds)}`);
  const perMin = (x: number): number => (x * 60) / windowS;
  return {
    windowS,
    cpuPct: ((c1 - c0) / hz / windowS) * 100,
    rssMb: median(rss),
    maxRssMb: Math.max(...rss),
    agentChanges: perMin(agent.kernelChangeLines + agent.nftChanges - lines0),
    netlink: perMin(counted.netlink),
    nft: perMin(counted.nft),
  };
}

async function teardown(o: AgentScenarioOptions, dirs: AgentDirs): Promise<number> {
  markLog('teardown start');
  const t0 = performance.now();
  removeSandboxFiles(dirs.dir, Array.from({ length: o.n }, (_, i) => benchSandbox(i, o.n)));
  for (;;) {
    // Cheap checks first: dumping every link is only worth it once the files say "done".
    const gone =
      statusCount(dirs.stateDir, 'Attachment') === 0 && statusCount(dirs.stateDir, 'Sandbox') === 0 && readdirSync(dirs.netnsDir).length === 0 && hostVeths() === 0;
    if (gone) {
      markLog('teardown done');
      return performance.now() - t0;
    }
    if (performance.now() - t0 > 120_000 + o.n * 100) throw new Error(`teardown of ${o.n} did not finish`);
    await sleep(10);
  }
}

export async function cleanupAgentWorld(dirs: AgentDirs): Promise<void> {
  await run({ argv: [process.execPath, CLI, 'cleanup', '--state-dir', dirs.stateDir, '--netns-dir', dirs.netnsDir, '--log-level', 'warn'], timeoutMs: 300_000 });
  for (const f of readdirSafe(dirs.netnsDir)) {
    try {
      native().netnsDelete(join(dirs.netnsDir, f));
    } catch {
      // already gone
    }
  }
  await run({ argv: ['umount', '-R', dirs.netnsDir] });
  rmSync(join(dirs.dir, '..'), { recursive: true, force: true });
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
