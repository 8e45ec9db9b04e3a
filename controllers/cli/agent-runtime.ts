// What `nodenet run` does around the engine, the same in file mode and kube mode: the node lock,
// state handling (temp files of interrupted writes, a ledger rebuilt from the kernel, health
// notices, the full-disk guard), fail points, the drift watcher, observers, and the signals:
// SIGTERM/SIGINT stop (the network stays up), SIGHUP runs a full re-check now.
import { DEFAULT_NETNS_DIRS } from '../../api/v1alpha1/validate.js';
import { Agent, type Source } from '../agent/agent.js';
import { startDriftWatcher, type DriftWatcher } from '../agent/drift/watcher.js';
import { installFailpoints } from '../agent/failpoints.js';
import { AgentLock } from '../agent/lock.js';
import { createKernelParts } from '../dataplane/factory.js';
import type { Dataplane } from '../dataplane/types.js';
import type { MemberSource } from '../overlay/coordinator.js';
import { log } from '../lib/log.js';
import { isLoopbackListen, parseListenAddr } from '../metrics/server.js';
import { StateDiskGuard } from '../state/disk-guard.js';
import { AgentHealth } from '../state/health.js';
import { describeRebuild, loadLedger } from '../state/load.js';
import { discoverNetnsPaths } from '../state/netns-discovery.js';
import type { RebuildHint } from '../state/rebuild.js';
import { removeStaleTempFiles } from '../state/stale-temp.js';
import type { StatusSink } from '../status/record.js';
import { corruptLeftovers } from './rebuild-inputs.js';
import { OBSERVE_OPTIONS, parseObserve, startObservers, type Observers } from './observe.js';
import { UsageError, absoluteDir, parseCount, parseDuration } from './options.js';

/** The options both modes take (parsed by runCommand). */
export type RuntimeValues = Record<keyof typeof OBSERVE_OPTIONS, string> & {
  'allow-host-netns': boolean;
  'kernel-events': string;
  'drift-hold': string;
  'state-dir': string;
  'netns-dir': string;
  'metrics-addr': string;
  resync: string;
  concurrency: string;
  'wait-for-lock': string;
};

/** What the mode supplies, given the settings both share. */
export interface ModeParts {
  source: Source;
  statusSink: StatusSink;
  /** Members of vxlan overlays (kube mode: OverlayMember objects). */
  overlayMembers?: MemberSource;
  /** Called with the agent once built, before it starts. */
  onAgent?(agent: Agent): void;
  /** Runs after the engine stopped (kube mode: flush status writes and events). */
  afterStop?(): Promise<void>;
}

export interface ModeContext {
  stateDir: string;
  netnsDir: string;
  adoptDirs: string[];
  allowHostNetns: boolean;
  guard: StateDiskGuard;
  dp: Dataplane;
}

export interface RuntimeOptions {
  values: RuntimeValues;
  nodeName: string;
  /** Declared attachments, to attribute kernel objects when the ledger is rebuilt. */
  rebuildHints(adoptDirs: string[]): ReadonlyMap<string, RebuildHint>;
  mode(ctx: ModeContext): ModeParts;
  /** Logged just before the engine starts. */
  onStarting?(): void;
}

export async function runAgent(opts: RuntimeOptions): Promise<number> {
  const { values } = opts;
  const stateDir = absoluteDir('state-dir', values['state-dir']);
  const netnsDir = absoluteDir('netns-dir', values['netns-dir']);
  const observe = parseObserve(values);
  if (!['on', 'off'].includes(values['kernel-events'])) throw new UsageError('run: --kernel-events must be on or off');
  const holdMs = parseDuration('drift-hold', values['drift-hold']);
  const resyncMs = parseDuration('resync', values.resync);
  const concurrency = parseCount('concurrency', values.concurrency, 1, 256);
  const metricsAddr = values['metrics-addr'] === 'off' ? null : values['metrics-addr'];
  if (metricsAddr && !isLoopbackListen(listenHost(metricsAddr))) {
    // Metrics name every network, sandbox and address of the node; see the README's Security section.
    log.warn('metrics and health endpoints listen beyond loopback: anyone who can reach this address can read the node topology', { addr: metricsAddr });
  }
  const lock = await AgentLock.acquire({ stateDir, waitMs: parseDuration('wait-for-lock', values['wait-for-lock']) });
  // One list of adoptable places and one host-namespace switch, for validation and for the engine's re-check.
  const adoptDirs = [netnsDir, ...DEFAULT_NETNS_DIRS];
  const allowHostNetns = values['allow-host-netns'];
  if (allowHostNetns) log.warn('--allow-host-netns: Sandboxes may adopt the network namespace of PID 1');
  const stale = removeStaleTempFiles(stateDir);
  if (stale.length) log.info('removed temp files of interrupted writes', { files: stale });
  const health = AgentHealth.open(stateDir);
  const parts = createKernelParts();
  installFailpoints(parts.dp, parts.describe);
  const loaded = loadLedger({
    stateDir,
    netnsDir,
    dp: parts.dp,
    hints: () => opts.rebuildHints(adoptDirs),
    morePaths: () => discoverNetnsPaths((p) => parts.dp.isNetns(p)),
  });
  if (loaded.rebuilt) health.addNotice('StateRebuilt', describeRebuild(loaded.rebuilt));
  else for (const f of corruptLeftovers(stateDir)) health.addNotice('StateRebuilt', `an earlier state file was unreadable and is kept at ${f}; the state was rebuilt from the kernel then (see the agent log); remove the file once checked`);
  let agent: Agent | undefined;
  const guard = new StateDiskGuard({ stateDir, health, onRecovered: () => agent?.enqueueAll() });
  const mode = opts.mode({ stateDir, netnsDir, adoptDirs, allowHostNetns, guard, dp: parts.dp });
  agent = new Agent({
    config: { netnsDir, stateDir, hostResolvConf: '/etc/resolv.conf', nodeName: opts.nodeName, adoptDirs, allowHostNetns },
    ...parts,
    source: mode.source,
    statusSink: mode.statusSink,
    metricsAddr,
    resyncMs,
    concurrency,
    ledger: loaded.ledger,
    drift: { holdMs },
    onReconcileError: (_key, err) => guard.noteError(err),
    ...(mode.overlayMembers ? { overlayMembers: mode.overlayMembers } : {}),
  });
  mode.onAgent?.(agent);
  const running = agent;
  let watcher: DriftWatcher | undefined;
  let observers: Observers | undefined;
  let stopping = false;
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      log.info('stopping', { signal });
      stopping = true;
      watcher?.stop();
      guard.stop();
      (observers?.stop() ?? Promise.resolve())
        .then(() => running.stop())
        .then(() => mode.afterStop?.())
        .then(
          () => lock.release().then(() => resolve(0)),
          (err: unknown) => {
            log.error('stop failed', { err });
            resolve(1);
          },
        );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // Registered before start: SIGHUP's default action would kill the agent.
  process.on('SIGHUP', () => {
    if (!running.ready() || stopping) return;
    running.resync('SIGHUP', 'SIGHUP (a full re-check on request)').catch((err: unknown) => log.error('resync failed', { err }));
  });
  opts.onStarting?.();
  await running.start();
  if (!stopping && values['kernel-events'] === 'on') watcher = startDriftWatcher({ agent: running, netnsDir });
  if (!stopping) observers = startObservers(running, observe);
  return stopped;
}

function listenHost(addr: string): string {
  try {
    return parseListenAddr(addr).host;
  } catch (err) {
    throw new UsageError(`--metrics-addr: ${(err as Error).message}`);
  }
}
