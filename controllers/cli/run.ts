// `nodenet run --dir DIR`: the agent in file mode. SIGTERM/SIGINT finish the running reconciles
// and exit; the dataplane stays up so containers keep their network across restarts.
import { existsSync, statSync } from 'node:fs';
import { DEFAULT_NETNS_DIRS } from '../../api/v1alpha1/validate.js';
import { Agent } from '../agent/agent.js';
import { AgentLock } from '../agent/lock.js';
import { createKernelParts } from '../dataplane/factory.js';
import { log, setLogLevel, type Level } from '../lib/log.js';
import { FileSource } from '../source/file/source.js';
import { formatProblem } from '../source/file/parse.js';
import { FileStatusSink, problemsPath } from '../status/file-sink.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { isLoopbackListen, parseListenAddr } from '../metrics/server.js';
import { COMMON_OPTIONS, DEFAULTS, UsageError, absoluteDir, parse, parseCount, parseDuration } from './options.js';
import { OBSERVE_HELP, OBSERVE_OPTIONS, parseObserve, startObservers, type Observers } from './observe.js';

export const RUN_HELP = `Usage: nodenet run --dir DIR [options]
       nodenet run --kube [--kubeconfig PATH] [options]

Watches DIR (nested folders, *.yaml/*.yml/*.json, multi-document), or the Kubernetes API, and
converges this node.
  --dir DIR              manifests directory (file mode)
  --kube                 Kubernetes mode: custom resources in, status subresource out
  --kubeconfig PATH      kube mode: kubeconfig (default: in-cluster config, else $KUBECONFIG or ~/.kube/config)
  --orphan-sweep DUR     kube mode: how often to clear finalizers of deleted nodes, 0 = only on demand (default 5m)
  --state-dir DIR        ledger, status and sandbox files (default ${DEFAULTS.stateDir})
  --netns-dir DIR        where created namespaces are mounted (default ${DEFAULTS.netnsDir})
  --metrics-addr H:P     /metrics /healthz /readyz listen address, "off" to disable (default ${DEFAULTS.metricsAddr})
  --resync DURATION      full re-check period, 0 = off (default ${DEFAULTS.resync})
  --concurrency N        reconciles in parallel (default ${DEFAULTS.concurrency})
  --node-name NAME       this node's name (default $NODE_NAME or the hostname)
  --wait-for-lock DUR    if another agent runs on this node, wait this long for it to exit (default 0: refuse)
  --allow-host-netns     let Sandboxes adopt PID 1's network namespace (default off; the agent's own
                         namespace is never adopted). See SECURITY.md before turning it on.
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
  const lock = await AgentLock.acquire({ stateDir, waitMs: parseDuration('wait-for-lock', values['wait-for-lock']) });
  const netnsDir = absoluteDir('netns-dir', values['netns-dir']);
  // One list of adoptable places and one host-namespace switch, for validation and for the engine's re-check.
  const adoptDirs = [netnsDir, ...DEFAULT_NETNS_DIRS];
  const allowHostNetns = values['allow-host-netns'];
  if (allowHostNetns) log.warn('--allow-host-netns: Sandboxes may adopt the network namespace of PID 1');
  const source = new FileSource({
    dir,
    parse: { netnsDirs: adoptDirs, allowHostNetns },
    onProblems: (problems) =>
      writeFileAtomic(problemsPath(stateDir), JSON.stringify(problems.map((p) => ({ ...p, text: formatProblem(p) })), null, 2) + '\n'),
  });
  const metricsAddr = values['metrics-addr'] === 'off' ? null : values['metrics-addr'];
  if (metricsAddr && !isLoopbackListen(listenHost(metricsAddr))) {
    // Metrics name every network, sandbox and address of the node; see SECURITY.md.
    log.warn('metrics and health endpoints listen beyond loopback: anyone who can reach this address can read the node topology', { addr: metricsAddr });
  }
  const parts = createKernelParts();
  const agent = new Agent({
    config: { netnsDir, stateDir, hostResolvConf: '/etc/resolv.conf', nodeName: values['node-name'], adoptDirs, allowHostNetns },
    ...parts,
    source,
    statusSink: new FileStatusSink(stateDir),
    metricsAddr,
    resyncMs: parseDuration('resync', values.resync),
    concurrency: parseCount('concurrency', values.concurrency, 1, 256),
  });
  let observers: Observers | undefined;
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      log.info('stopping', { signal });
      (observers?.stop() ?? Promise.resolve()).then(() => agent.stop()).then(
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
  await agent.start();
  observers = startObservers(agent, observe);
  return stopped;
}

function listenHost(addr: string): string {
  try {
    return parseListenAddr(addr).host;
  } catch (err) {
    throw new UsageError(`--metrics-addr: ${(err as Error).message}`);
  }
}
