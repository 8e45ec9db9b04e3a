// `nodenet run --dir DIR`: the agent in file mode. SIGTERM/SIGINT finish the running reconciles
// and exit; the dataplane stays up so containers keep their network across restarts. What both
// modes do around the engine is in agent-runtime.ts.
import { existsSync, statSync } from 'node:fs';
import { errorText, log, setLogLevel, type Level } from '../lib/log.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { FileSource } from '../source/file/source.js';
import { formatProblem } from '../source/file/parse.js';
import { FileStatusSink, problemsPath } from '../status/file-sink.js';
import { runAgent } from './agent-runtime.js';
import { declaredAttachments } from './rebuild-inputs.js';
import { COMMON_OPTIONS, DEFAULTS, UsageError, absoluteDir, parse } from './options.js';
import { OBSERVE_HELP, OBSERVE_OPTIONS } from './observe.js';

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
${OBSERVE_HELP}
Signals: SIGTERM/SIGINT stop (the network stays up); SIGHUP runs a full re-check now (both modes).`;

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
  return runAgent({
    values,
    nodeName: values['node-name'],
    rebuildHints: (adoptDirs) => declaredAttachments(dir, adoptDirs),
    mode: ({ stateDir, adoptDirs, allowHostNetns, guard }) => ({
      source: new FileSource({
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
      }),
      statusSink: new FileStatusSink(stateDir),
    }),
  });
}
