// `nodenet run --dir DIR`: the agent in file mode. SIGTERM/SIGINT finish the running reconciles
// and exit; the dataplane stays up so containers keep their network across restarts.
import { existsSync, statSync } from 'node:fs';
import { DEFAULT_NETNS_DIRS } from '../../api/v1alpha1/validate.js';
import { Agent } from '../agent/agent.js';
import { startDriftWatcher, type DriftWatcher } from '../agent/drift/watcher.js';
import { installFailpoints } from '../agent/failpoints.js';
import { AgentLock } from '../agent/lock.js';
import { createKernelParts } from '../dataplane/factory.js';
import { errorText, log, setLogLevel, type Level } from '../lib/log.js';
import { isLoopbackListen, parseListenAddr } from '../metrics/server.js';
import { StateDiskGuard } from '../state/disk-guard.js';
import { AgentHealth } from '../state/health.js';
import { describeRebuild, loadLedger } from '../state/load.js';
import { discoverNetnsPaths } from '../state/netns-discovery.js';
import { removeStaleTempFiles } from '../state/stale-temp.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { FileSource } from '../source/file/source.js';
import { formatProblem } from '../source/file/parse.js';
import { FileStatusSink, problemsPath } from '../status/file-sink.js';
import { corruptLeftovers, declaredAttachments } from './rebuild-inputs.js';
import { COMMON_OPTIONS, DEFAULTS, UsageError, absoluteDir, parse, parseCount, parseDuration } from './options.js';
import { OBSERVE_HELP, OBSERVE_OPTIONS, parseObserve, startObservers, type Observers } from './observe.js';

export const RUN_HELP = `Usage: nodenet run --dir DIR [options]
       nodenet run --kube [--kubeconfig PATH] [options]

Watches DIR (nested folders, *.yaml/*.yml/*.json, multi-document), or the Kubernetes API, and
converges this node.
  --dir DIR              manifests directory (file mode)
  --kube                 Kubernetes mode: custom resources in, status subresource out
  --kubeconfig PATH      kube mode: kubeconfig (default: in-cluster config, else $KUBECONFIG or ~/.kube/config)
  --orphan-sweep DUR     kube mode: how often to clear finalizers and overlay claims of deleted nodes, 0 = only on demand (default 5m)
  --state-dir DIR        ledger, status and sandbox files (default ${DEFAULTS.stateDir})
  --netns-dir DIR        where created namespaces are mounted (default ${DEFAULTS.netnsDir})
  --metrics-addr H:P     /metrics /healthz /readyz listen address, "off" to disable (default ${DEFAULTS.metricsAddr})
  --resync DURATION      full re-check period, 0 = off (default ${DEFAULTS.resync})
  --concurrency N        reconciles in parallel (default ${DEFAULTS.concurrency})
  --node-name NAME       this node's name (default $NODE_NAME or the hostname)
  --wait-for-lock DUR    if another agent runs on this node, wait this long for it to exit (default 0: refuse)
  --allow-host-netns     let Sandboxes adopt PID 1's network namespace (default off; the agent's own
                         namespace is never adopted). See the README's Security section first.
  --kernel-events on|off repair drift as soon as the kernel reports it (default on); off = resync only
  --drift-hold DURATION  how long a repaired object shows Degraded=DriftRepaired (default 60s)
  --log-level LEVEL      debug|info|warn|error
${OBSERVE_HELP}`;

export async function runCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...COMMON_OPTIONS,
    dir: { type: 'string' },
    'metrics-addr': { type: 'string', default: DEFAULTS.metricsAddr },
    resync: { type: 'string', default: DEFAULTS.resync },
    concurrency: { type: 'string', default: DEFAULTS.concurrency },
    'wait-for-lock': { type: 'string', default: '0' },
    kube: { type: 'boolean', default: false },
    kubeconfig: { type: 'string' },
    'orphan-sweep': { type: 'string', default: '5m' },
    'allow-host-netns': { type: 'boolean', default: false },
    'kernel-events': { type: 'string', default: 'on' },
    'drift-hold': { type: 'string', default: '60s' },
    ...OBSERVE_OPTIONS,
  });
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  if (values.kube) {
    if (values.dir) throw new UsageError('run: --dir and --kube exclude each other');
    setLogLevel(values['log-level'] as Level);
    // Loaded on demand: @kubernetes/client-node takes about a second to import.
    const { runKube } = await import('./run-kube.js');
    return runKube(values);
  }
  if (!values.dir) throw new UsageError('run: --dir is required (the directory of Network/Sandbox/Attachment manifests)');
  const dir = absoluteDir('dir', values.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`run: --dir ${dir} is not a directory`);
  setLogLevel(values['log-level'] as Level);
  const stateDir = absoluteDir('state-dir', values['state-dir']);
  const observe = parseObserve(values);
  if (!['on', 'off'].includes(values['kernel-events'])) throw new UsageError('run: --kernel-events must be on or off');
  const holdMs = parseDuration('drift-hold', values['drift-hold']);
  const metricsAddr = values['metrics-addr'] === 'off' ? null : values['metrics-addr'];
  if (metricsAddr && !isLoopbackListen(listenHost(metricsAddr))) {
    // Metrics name every network, sandbox and address of the node; see the README's Security section.
    log.warn('metrics and health endpoints listen beyond loopback: anyone who can reach this address can read the node topology', { addr: metricsAddr });
  }
  const lock = await AgentLock.acquire({ stateDir, waitMs: parseDuration('wait-for-lock', values['wait-for-lock']) });
  const netnsDir = absoluteDir('netns-dir', values['netns-dir']);
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
    hints: () => declaredAttachments(dir, adoptDirs),
    morePaths: () => discoverNetnsPaths((p) => parts.dp.isNetns(p)),
  });
  if (loaded.rebuilt) health.addNotice('StateRebuilt', describeRebuild(loaded.rebuilt));
  else for (const f of corruptLeftovers(stateDir)) health.addNotice('StateRebuilt', `an earlier state file was unreadable and is kept at ${f}; the state was rebuilt from the kernel then (see the agent log); remove the file once checked`);
  let agent: Agent | undefined;
  const guard = new StateDiskGuard({ stateDir, health, onRecovered: () => agent?.enqueueAll() });
  const source = new FileSource({
    dir,
    parse: { netnsDirs: adoptDirs, allowHostNetns },
    onProblems: (problems) => {
      try {
        writeFileAtomic(problemsPath(stateDir), JSON.stringify(problems.map((p) => ({ ...p, text: formatProblem(p) })), null, 2) + '\n');
      } catch (err) {
        log.warn('cannot write the problems file', { err: errorText(err) });
        guard.noteError(err);
      }
    },
  });
  agent = new Agent({
    config: { netnsDir, stateDir, hostResolvConf: '/etc/resolv.conf', nodeName: values['node-name'], adoptDirs, allowHostNetns },
    ...parts,
    source,
    statusSink: new FileStatusSink(stateDir),
    metricsAddr,
    resyncMs: parseDuration('resync', values.resync),
    concurrency: parseCount('concurrency', values.concurrency, 1, 256),
    ledger: loaded.ledger,
    drift: { holdMs },
    onReconcileError: (_key, err) => guard.noteError(err),
  });
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
