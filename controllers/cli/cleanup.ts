// `nodenet cleanup`: removes everything nodenet owns on this node — links and namespaces carrying
// our marker or recorded in the ledger, our nftables tables and iptables compat chain, and the
// state files. Nothing without our marker is touched.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { collectGarbage } from '../agent/gc.js';
import { createKernelParts } from '../dataplane/factory.js';
import { errorText, setLogLevel, type Level } from '../lib/log.js';
import { Ledger } from '../state/ledger.js';
import { COMMON_OPTIONS, DEFAULTS, absoluteDir, parse } from './options.js';

export const CLEANUP_HELP = `Usage: nodenet cleanup [--state-dir DIR] [--netns-dir DIR] [--dry-run]

Removes every kernel object nodenet made on this node (bridges, veths, namespaces it created,
nftables tables, iptables compat chain) and its state (allocations, status, sandbox files).
Stop the agent first. Adopted namespaces and anything without nodenet's marker are left alone.
  --state-dir  (default ${DEFAULTS.stateDir})    --netns-dir  (default ${DEFAULTS.netnsDir})`;

export async function cleanupCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { ...COMMON_OPTIONS, 'dry-run': { type: 'boolean', default: false } });
  if (values.help) {
    console.log(CLEANUP_HELP);
    return 0;
  }
  setLogLevel(values['log-level'] as Level);
  const stateDir = absoluteDir('state-dir', values['state-dir']);
  const netnsDir = absoluteDir('netns-dir', values['netns-dir']);
  const { dp, firewall, describe } = createKernelParts();
  let recorded = Ledger.memory();
  try {
    recorded = Ledger.load(stateDir);
  } catch (err) {
    console.error(`warning: ${errorText(err)}; removing by marker only`);
  }
  // Namespaces the ledger says we created, wherever they are (the netns dir may have changed).
  const extraNs = recorded
    .keys('sandboxes')
    .map((k) => recorded.get('sandboxes', k)!)
    .filter((s) => s.created && dp.isNetns(s.netnsPath));
  // An empty ledger makes every marked link and namespace an orphan: that is the point here.
  const gc = collectGarbage({ dp, ledger: Ledger.memory(), netnsDir, dryRun: true });
  const ops = [...gc.ops.map((o) => o.op), ...extraNs.filter((s) => !gc.namespaces.includes(s.netnsPath)).map((s) => ({ op: 'netns.del' as const, path: s.netnsPath }))];
  for (const op of ops) console.log(`${values['dry-run'] ? 'would run' : 'run'}: ${describe(op)}`);
  if (values['dry-run']) return 0;
  const host = dp.session();
  try {
    // Namespaces first: their veth ends (and so the host ends) go with them in one step each.
    const ordered = [...ops.filter((o) => o.op === 'netns.del'), ...ops.filter((o) => o.op !== 'netns.del')];
    for (const op of ordered) host.apply([op]);
  } finally {
    host.close();
  }
  await firewall.remove();
  for (const f of ['state.json', 'state.journal', 'status', 'sandboxes', 'problems.json', 'agent.lock', 'agent-health']) rmSync(join(stateDir, f), { recursive: true, force: true });
  console.log(`removed ${gc.links.length} links, ${ops.filter((o) => o.op === 'netns.del').length} namespaces, nodenet firewall tables, state in ${stateDir}`);
  return 0;
}
