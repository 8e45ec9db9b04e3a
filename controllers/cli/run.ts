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
import { COMMON_OPTIONS, DEFAULTS, UsageError, absoluteDir, parse, parseCount, parseDuration } from './options.js';

export const RUN_HELP = `Usage: nodenet run --dir DIR [options]

Watches DIR (nested folders, *.yaml/*.yml/*.json, multi-document) and converges this node.
  --dir DIR              manifests directory (file mode)
  --state-dir DIR        ledger, status and sandbox files (default ${DEFAULTS.stateDir})
  --netns-dir DIR        where created namespaces are mounted (default ${DEFAULTS.netnsDir})
  --metrics-addr H:P     /metrics /healthz /readyz listen address, "off" to disable (default ${DEFAULTS.metricsAddr})
  --resync DURATION      full re-check period, 0 = off (default ${DEFAULTS.resync})
  --concurrency N        reconciles in parallel (default ${DEFAULTS.concurrency})
  --node-name NAME       this node's name (default $NODE_NAME or the hostname)
  --wait-for-lock DUR    if another agent runs on this node, wait this long for it to exit (default 0: refuse)
  --log-level LEVEL      debug|info|warn|error
Signals: SIGTERM/SIGINT stop (the network stays up); SIGHUP runs a full re-check now.`;

export async function runCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...COMMON_OPTIONS,
    dir: { type: 'string' },
    'metrics-addr': { type: 'string', default: DEFAULTS.metricsAddr },
    resync: { type: 'string', default: DEFAULTS.resync },
    concurrency: { type: 'string', default: DEFAULTS.concurrency },
    'wait-for-lock': { type: 'string', default: '0' },
  });
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  if (!values.dir) throw new UsageError('run: --dir is required (the directory of Network/Sandbox/Attachment manifests)');
  const dir = absoluteDir('dir', values.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`run: --dir ${dir} is not a directory`);
  setLogLevel(values['log-level'] as Level);
  const stateDir = absoluteDir('state-dir', values['state-dir']);
  const lock = await AgentLock.acquire({ stateDir, waitMs: parseDuration('wait-for-lock', values['wait-for-lock']) });
  const netnsDir = absoluteDir('netns-dir', values['netns-dir']);
  const source = new FileSource({
    dir,
    parse: { netnsDirs: [netnsDir, ...DEFAULT_NETNS_DIRS] },
    onProblems: (problems) =>
      writeFileAtomic(problemsPath(stateDir), JSON.stringify(problems.map((p) => ({ ...p, text: formatProblem(p) })), null, 2) + '\n'),
  });
  const parts = createKernelParts();
  const agent = new Agent({
    config: { netnsDir, stateDir, hostResolvConf: '/etc/resolv.conf', nodeName: values['node-name'] },
    ...parts,
    source,
    statusSink: new FileStatusSink(stateDir),
    metricsAddr: values['metrics-addr'] === 'off' ? null : values['metrics-addr'],
    resyncMs: parseDuration('resync', values.resync),
    concurrency: parseCount('concurrency', values.concurrency, 1, 256),
  });
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      log.info('stopping', { signal });
      agent.stop().then(
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
    if (!agent.ready()) return;
    agent.resync('SIGHUP').catch((err: unknown) => log.error('resync failed', { err }));
  });
  await agent.start();
  return stopped;
}
