// `nodenet plan --dir DIR`: the exact kernel changes `nodenet run` would make now, changing
// nothing. It copies the relevant kernel state into the in-memory dataplane and runs the real
// agent against it (same reconcilers, same garbage collection), recording every change; the
// firewall part is the nft/iptables commands the firewall would run for the final model.
import { DEFAULT_NETNS_DIRS } from '../../api/v1alpha1/validate.js';
import { Agent } from '../agent/agent.js';
import { StaticSource } from '../agent/static-source.js';
import { createKernelParts } from '../dataplane/factory.js';
import { createFakeDataplane } from '../dataplane/fake.js';
import type { Firewall, FwModel, FwSyncResult } from '../dataplane/firewall/types.js';
import { setLogLevel } from '../lib/log.js';
import { importKernel } from '../plan/import.js';
import { Ledger, emptyLedger } from '../state/ledger.js';
import { readStatusFiles } from '../status/file-sink.js';
import { MemoryStatusSink } from '../status/memory-sink.js';
import { keyOfRecord } from '../status/store.js';
import { COMMON_OPTIONS, DEFAULTS, UsageError, absoluteDir, parse } from './options.js';
import { loadDir } from './status.js';
import { formatProblem } from '../source/file/parse.js';
import { resolveSandbox } from '../../api/v1alpha1/defaults.js';
import type { Sandbox } from '../../api/v1alpha1/types.js';

export const PLAN_HELP = `Usage: nodenet plan --dir DIR [--state-dir DIR] [--netns-dir DIR] [--allow-host-netns] [--json]

Validates DIR and prints the exact kernel changes (namespaces, links, addresses, routes, sysctls,
nftables/iptables commands) that "nodenet run" would make now. Changes nothing.
Exit status: 0 valid (with or without changes), 2 invalid input, 1 error. Gate GitOps PRs on it.
  --state-dir  (default ${DEFAULTS.stateDir})    --netns-dir  (default ${DEFAULTS.netnsDir})`;

export async function planCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...COMMON_OPTIONS,
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
    'allow-host-netns': { type: 'boolean', default: false },
  });
  if (values.help) {
    console.log(PLAN_HELP);
    return 0;
  }
  if (!values.dir) throw new UsageError('plan: --dir is required');
  setLogLevel('error');
  const netnsDir = absoluteDir('netns-dir', values['netns-dir']);
  const stateDir = absoluteDir('state-dir', values['state-dir']);
  const allowHostNetns = values['allow-host-netns'];
  const loaded = loadDir(absoluteDir('dir', values.dir), { netnsDirs: [netnsDir, ...DEFAULT_NETNS_DIRS], allowHostNetns });
  if (loaded.problems.length) {
    for (const p of loaded.problems) console.error(formatProblem(p));
    console.error(`plan: ${loaded.problems.length} invalid declaration(s); fix them first`);
    return 2;
  }
  const changes = await computePlan({ objects: loaded.store.keys().map((k) => loaded.store.get(k)!.object), stateDir, netnsDir, allowHostNetns });
  if (values.json) console.log(JSON.stringify(changes, null, 2));
  else if (changes.kernel.length + changes.firewall.length === 0) console.log('No changes: the node matches the declared state.');
  else {
    for (const line of changes.kernel) console.log(line);
    for (const line of changes.firewall) console.log(line);
    console.log(`\n${changes.kernel.length} kernel change(s), ${changes.firewall.length} firewall command(s)`);
  }
  return 0;
}

export interface PlanResult {
  kernel: string[];
  firewall: string[];
}

export async function computePlan(opts: { objects: Parameters<StaticSource['put']>; stateDir: string; netnsDir: string; allowHostNetns?: boolean }): Promise<PlanResult> {
  const real = createKernelParts();
  let ledgerData = emptyLedger();
  try {
    ledgerData = Ledger.load(opts.stateDir).snapshot();
  } catch {
    // No readable state: plan as for a first start.
  }
  // Adopted paths are judged on the real file system, as `run` would judge them.
  const fake = createFakeDataplane({ inspectNetns: real.dp.inspectNetns });
  const sandboxPaths = opts.objects.filter((o) => o.kind === 'Sandbox').map((o) => resolveSandbox(o as Sandbox, { netnsDir: opts.netnsDir }).netnsPath);
  const ledgerPaths = Object.values(ledgerData.sandboxes).map((s) => s.netnsPath);
  importKernel(real.dp, fake, [...new Set([...sandboxPaths, ...ledgerPaths, ...real.dp.listNetns(opts.netnsDir)])]);
  const kernel: string[] = [];
  fake.onOp((ev) => kernel.push(real.describe(ev.op, ev.ns)));
  const firewall = new PlanningFirewall(real.firewall);
  const agent = new Agent({
    config: {
      netnsDir: opts.netnsDir,
      stateDir: opts.stateDir,
      hostResolvConf: '/etc/resolv.conf',
      nodeName: 'plan',
      dryRun: true,
      allowHostNetns: opts.allowHostNetns === true,
    },
    dp: fake,
    firewall,
    describe: real.describe,
    source: new StaticSource(opts.objects),
    statusSink: new MemoryStatusSink(readStatusFiles(opts.stateDir), keyOfRecord),
    metricsAddr: null,
    resyncMs: 0,
    concurrency: 1,
    ledger: Ledger.memory(ledgerData),
  });
  await agent.start();
  await agent.settled();
  await agent.stop();
  return { kernel, firewall: await firewall.finalPlan() };
}

/** Records the model each sync asks for; the plan is what the real firewall would run for the last one. */
class PlanningFirewall implements Firewall {
  private last: FwModel | undefined;
  private removeAsked = false;

  constructor(private readonly real: Firewall) {}

  async sync(model: FwModel): Promise<FwSyncResult> {
    this.last = model;
    this.removeAsked = false;
    return { changes: 0, script: '' };
  }

  async plan(model: FwModel): Promise<string[]> {
    return this.real.plan(model);
  }

  render(model: FwModel): string {
    return this.real.render(model);
  }

  invalidate(): void {}

  async remove(): Promise<number> {
    this.removeAsked = true;
    return 0;
  }

  async finalPlan(): Promise<string[]> {
    if (this.removeAsked || !this.last) return (await this.real.plan({ networks: [], ports: [] })).length ? ['nft delete table inet nodenet'] : [];
    return this.real.plan(this.last);
  }
}
