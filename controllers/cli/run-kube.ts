// `nodenet run --kube`: the agent with custom resources as desired state and the status
// subresource as its report. In a pod it uses the in-cluster config (KUBERNETES_SERVICE_HOST),
// by hand --kubeconfig or the default kubeconfig loading ($KUBECONFIG, ~/.kube/config).
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_NETNS_DIRS } from '../../api/v1alpha1/validate.js';
import { Agent } from '../agent/agent.js';
import { AgentLock } from '../agent/lock.js';
import { startDriftWatcher, type DriftWatcher } from '../agent/drift/watcher.js';
import { installFailpoints } from '../agent/failpoints.js';
import { createKernelParts } from '../dataplane/factory.js';
import { StateDiskGuard } from '../state/disk-guard.js';
import { AgentHealth } from '../state/health.js';
import { describeRebuild, loadLedger } from '../state/load.js';
import { discoverNetnsPaths } from '../state/netns-discovery.js';
import { removeStaleTempFiles } from '../state/stale-temp.js';
import { corruptLeftovers } from './rebuild-inputs.js';
import { log } from '../lib/log.js';
import { KubeApi } from '../source/kube/api.js';
import { EventRecorder } from '../source/kube/events.js';
import { KubeSource } from '../source/kube/source.js';
import { KubeStatusSink } from '../status/kube-sink.js';
import { KubeOverlayMembers } from '../overlay/kube/members.js';
import { withOverlayMembers } from '../overlay/kube/wire.js';
import { isLoopbackListen, parseListenAddr } from '../metrics/server.js';
import { OBSERVE_OPTIONS, parseObserve, startObservers, type Observers } from './observe.js';
import { UsageError, absoluteDir, parseCount, parseDuration } from './options.js';

export type KubeRunValues = Record<keyof typeof OBSERVE_OPTIONS, string> & {
  kubeconfig?: string | undefined;
  'allow-host-netns': boolean;
  'kernel-events': string;
  'drift-hold': string;
  'node-name': string;
  'state-dir': string;
  'netns-dir': string;
  'metrics-addr': string;
  resync: string;
  concurrency: string;
  'wait-for-lock': string;
  'orphan-sweep': string;
};

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (cause) {
    throw new Error(`load kubeconfig ${kubeconfig ?? '(in-cluster or default)'}`, { cause });
  }
  if (!kc.getCurrentCluster()) throw new UsageError('no current cluster in the kubeconfig: pass --kubeconfig or run in a pod');
  return kc;
}

export async function runKube(values: KubeRunValues): Promise<number> {
  const node = values['node-name'];
  if (!DNS_SUBDOMAIN.test(node)) throw new UsageError(`--node-name ${JSON.stringify(node)} is not a Kubernetes node name (DNS subdomain)`);
  const kc = loadKubeConfig(values.kubeconfig);
  const stateDir = absoluteDir('state-dir', values['state-dir']);
  const netnsDir = absoluteDir('netns-dir', values['netns-dir']);
  const observe = parseObserve(values);
  if (!['on', 'off'].includes(values['kernel-events'])) throw new UsageError('run: --kernel-events must be on or off');
  const holdMs = parseDuration('drift-hold', values['drift-hold']);
  // As in file mode: one list of adoptable places and one host-namespace switch, for validation and the engine.
  const adoptDirs = [netnsDir, ...DEFAULT_NETNS_DIRS];
  const allowHostNetns = values['allow-host-netns'];
  if (allowHostNetns) log.warn('--allow-host-netns: Sandboxes may adopt the network namespace of PID 1');
  const metricsAddr = values['metrics-addr'] === 'off' ? null : values['metrics-addr'];
  if (metricsAddr && !isLoopbackListen(listenHost(metricsAddr))) {
    log.warn('metrics and health endpoints listen beyond loopback: anyone who can reach this address can read the node topology', { addr: metricsAddr });
  }
  const lock = await AgentLock.acquire({ stateDir, waitMs: parseDuration('wait-for-lock', values['wait-for-lock']) });
  // The same state handling as file mode: interrupted writes, health notices, a ledger rebuilt from
  // the kernel when the state file is lost (without declared hints: the API is not read yet).
  const stale = removeStaleTempFiles(stateDir);
  if (stale.length) log.info('removed temp files of interrupted writes', { files: stale });
  const health = AgentHealth.open(stateDir);
  const parts = createKernelParts();
  installFailpoints(parts.dp, parts.describe);
  const loaded = loadLedger({ stateDir, netnsDir, dp: parts.dp, hints: () => new Map(), morePaths: () => discoverNetnsPaths((p) => parts.dp.isNetns(p)) });
  if (loaded.rebuilt) health.addNotice('StateRebuilt', describeRebuild(loaded.rebuilt));
  else for (const f of corruptLeftovers(stateDir)) health.addNotice('StateRebuilt', `an earlier state file was unreadable and is kept at ${f}; the state was rebuilt from the kernel then (see the agent log); remove the file once checked`);
  let agent: Agent | undefined;
  const guard = new StateDiskGuard({ stateDir, health, onRecovered: () => agent?.enqueueAll() });
  const api = new KubeApi(kc);
  const events = new EventRecorder({ api, node });
  // The source writes reports of objects the engine never sees through the sink, and the sink
  // asks the source whether an erased report is still wanted: built in this order, linked late.
  let sink: KubeStatusSink | undefined;
  const source = new KubeSource({
    kc,
    api,
    node,
    validate: { netnsDirs: adoptDirs, allowHostNetns },
    events,
    reportProblem: (key, raw, reason, message) => sink!.reportProblem(key, raw, reason, message),
    orphanSweepMs: parseDuration('orphan-sweep', values['orphan-sweep']),
    resyncMs: parseDuration('resync', values.resync),
  });
  sink = new KubeStatusSink({ api, node, view: source, events });
  // vxlan overlays without spec.vxlan.peers: members and slices are OverlayMember objects.
  const overlay = new KubeOverlayMembers({
    api,
    node,
    dp: parts.dp,
    deadNodeSweepMs: parseDuration('orphan-sweep', values['orphan-sweep']),
    resyncMs: parseDuration('resync', values.resync),
  });
  agent = new Agent({
    config: { netnsDir, stateDir, hostResolvConf: '/etc/resolv.conf', nodeName: node, adoptDirs, allowHostNetns },
    ...parts,
    source: withOverlayMembers(source, overlay),
    overlayMembers: overlay,
    statusSink: sink,
    metricsAddr,
    resyncMs: parseDuration('resync', values.resync),
    concurrency: parseCount('concurrency', values.concurrency, 1, 256),
    ledger: loaded.ledger,
    drift: { holdMs },
    onReconcileError: (_key, err) => guard.noteError(err),
  });
  overlay.bind(agent.ctx);
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
        .then(() => sink!.close(5000))
        .then(() => events.flushed())
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
  log.info('kube mode', { node, server: kc.getCurrentCluster()?.server, finalizer: source.finalizer });
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
