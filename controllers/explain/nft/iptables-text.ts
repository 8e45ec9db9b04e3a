// Attaches `iptables -S` text to the rules of tables iptables-nft manages, so the xt matches nft
// can only name (conntrack, comment, addrtype) can be evaluated. One process per such table that
// holds an xt match; a table whose rule count does not line up is left as it is (undecidable).
import { run } from '../../lib/exec.js';
import type { Listing, ListedChain } from './listing.js';

const IPT_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

function hasXt(c: ListedChain): boolean {
  return c.rules.some((r) => r.expr.some((e) => !!e && typeof e === 'object' && 'xt' in e));
}

/** `-A CHAIN ...` lines grouped by chain, in order. */
export function rulesByChain(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^-A (\S+) (.*)$/.exec(line.trim());
    if (!m) continue;
    const list = out.get(m[1]!) ?? [];
    list.push(line.trim());
    out.set(m[1]!, list);
  }
  return out;
}

/** Pairs each rule of the table's chains with its iptables text when the counts match. */
export function attachIptText(listing: Listing, family: string, table: string, text: string): void {
  const byChain = rulesByChain(text);
  for (const c of listing.chains) {
    if (c.family !== family || c.table !== table) continue;
    const lines = byChain.get(c.name) ?? [];
    if (lines.length !== c.rules.length) continue;
    c.rules.forEach((r, i) => (r.ipt = lines[i]));
  }
}

export async function annotateIptables(listing: Listing): Promise<void> {
  const tables = new Set<string>();
  for (const c of listing.chains) {
    if ((c.family === 'ip' || c.family === 'ip6') && IPT_TABLES.has(c.table) && hasXt(c)) tables.add(`${c.family} ${c.table}`);
  }
  for (const t of tables) {
    const [family, table] = t.split(' ') as [string, string];
    const res = await run({ argv: [family === 'ip' ? 'iptables' : 'ip6tables', '-w', '-t', table, '-S'], timeoutMs: 10_000 }).catch(() => undefined);
    if (res?.code === 0) attachIptText(listing, family, table, res.stdout);
  }
}
