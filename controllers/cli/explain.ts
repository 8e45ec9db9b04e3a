// `nodenet explain FROM TO`: why a packet from a sandbox (or attachment, the host, the outside)
// reaches a destination or not, walked through the node's realized state, with the rule or
// setting that decides. Reads only: the kernel, the nftables ruleset, the state dir.
import { createKernelDataplane } from '../dataplane/kernel.js';
import { explain } from '../explain/explain.js';
import { annotateIptables } from '../explain/nft/iptables-text.js';
import { readListing } from '../explain/nft/listing.js';
import { renderExplanation } from '../explain/render.js';
import { resolveDest, resolveSource, ResolveError } from '../explain/resolve.js';
import type { Explanation } from '../explain/trace.js';
import { dataplaneViews, indexObjects } from '../explain/world.js';
import { readLedgerFiles, type LedgerData } from '../state/ledger.js';
import { readStatusFiles } from '../status/file-sink.js';
import { COMMON_OPTIONS, DEFAULTS, UsageError, absoluteDir, parse } from './options.js';

export const EXPLAIN_HELP = `Usage: nodenet explain FROM TO [--json] [--state-dir DIR]

Walks the path a packet takes on this node and says whether it gets through, and which rule,
route or setting decides.
  FROM   a sandbox or attachment (web-1, default/web-1, attachment/web-1-frontend), "host",
         "outside", or outside=ADDRESS[@INTERFACE] (a sender beyond the host's uplink; by default it
         arrives on the interface of the host's route towards ADDRESS)
  TO     a sandbox or attachment (optionally NAME:PORT), an address (10.88.0.5, 192.168.1.10:8080,
         [fd00::5]:80; a host address for the host itself or its published ports), or "outside".
         Append /udp for UDP; a port without it means TCP; no port means ICMP echo.
Exit status: 0 reachable, 3 blocked, 4 undecided, 2 bad arguments, 1 error.
  --json       the explanation as JSON
  --state-dir  (default ${DEFAULTS.stateDir})`;

const EXIT = { reachable: 0, blocked: 3, unknown: 4 } as const;

function readLedger(stateDir: string): LedgerData {
  // Read-only on purpose: Ledger.load() would move an unreadable file aside. The journal holds
  // the changes since the snapshot.
  return readLedgerFiles(stateDir);
}

export async function explainOnce(opts: { stateDir: string; from: string; to: string }): Promise<Explanation> {
  const objects = indexObjects(readLedger(opts.stateDir), readStatusFiles(opts.stateDir));
  let src, dst;
  try {
    src = resolveSource(opts.from, objects);
    dst = resolveDest(opts.to, objects, src);
  } catch (err) {
    if (err instanceof ResolveError) throw new UsageError(err.message);
    throw err;
  }
  const listing = await readListing();
  await annotateIptables(listing);
  const views = dataplaneViews(createKernelDataplane());
  try {
    return explain({ host: views.host, ns: views.ns, listing, objects }, src, dst);
  } finally {
    views.close();
  }
}

export async function explainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...COMMON_OPTIONS, json: { type: 'boolean', default: false } }, true);
  if (values.help) {
    console.log(EXPLAIN_HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('explain: give FROM and TO');
  const e = await explainOnce({ stateDir: absoluteDir('state-dir', values['state-dir']), from: positionals[0]!, to: positionals[1]! });
  console.log(values.json ? JSON.stringify(e, null, 2) : renderExplanation(e));
  return EXIT[e.verdict];
}
