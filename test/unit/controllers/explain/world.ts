// The synthetic world of the explain unit tests: the engine converges fixtures/objects.yaml on the
// in-memory dataplane (bridges, veths, addresses, routes, sysctls as the kernel would have them),
// an "uplink" up0 towards an outside network is added by hand, and the nftables listing is
// fixtures/ruleset.json, captured from the real kernel with the same objects (nft -j list ruleset
// after `nodenet run` on objects.yaml in a scratch namespace). Tests then change either side.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestAgent, type TestAgent } from '../../../helpers/engine.js';
import { REPO_ROOT } from '../../../helpers/repo.js';
import { parseManifestFile } from '../../../../controllers/source/file/parse.js';
import { findChain, parseListing, type Listing } from '../../../../controllers/explain/nft/listing.js';
import { dataplaneViews, indexObjects, type World } from '../../../../controllers/explain/world.js';
import type { KernelOp } from '../../../../controllers/dataplane/types.js';

export const FIXTURES = join(REPO_ROOT, 'test/unit/controllers/explain/fixtures');

export function fixtureListing(): Listing {
  return parseListing(readFileSync(join(FIXTURES, 'ruleset.json'), 'utf8'));
}

/** The raw fixture JSON, for tests that add or change kernel objects before parsing. */
export function fixtureJson(): { nftables: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(join(FIXTURES, 'ruleset.json'), 'utf8')) as { nftables: Record<string, unknown>[] };
}

export async function startWorld(): Promise<TestAgent> {
  const file = join(FIXTURES, 'objects.yaml');
  const objects = parseManifestFile(file, readFileSync(file, 'utf8')).objects.map((o) => o.object);
  const t = await startTestAgent(objects);
  hostOps(t, [
    { op: 'link.add', link: { kind: 'dummy', name: 'up0' } },
    { op: 'link.set', ref: { name: 'up0' }, up: true },
    { op: 'addr.add', ref: { name: 'up0' }, family: 4, address: '192.168.50.1', prefixLen: 24 },
    { op: 'route.replace', family: 4, dst: '192.168.60.0/24', gateway: '192.168.50.2', dev: { name: 'up0' } },
  ]);
  return t;
}

export function hostOps(t: TestAgent, ops: KernelOp[], ns?: string): void {
  const s = t.dp.session(ns);
  try {
    s.apply(ops);
  } finally {
    s.close();
  }
}

/** A world over the agent's in-memory kernel; views cache reads, so build one per question. */
export function worldOf(t: TestAgent, listing: Listing = fixtureListing()): World & { close(): void } {
  const views = dataplaneViews(t.dp);
  return { host: views.host, ns: views.ns, listing, objects: indexObjects(t.ledger.snapshot(), [...t.sink.records.values()]), close: views.close };
}

/** The fixture plus an iptables filter table as iptables-nft would list it. */
export function withIptablesForward(opts: { compatJump: boolean; dropIn?: string }): Listing {
  const doc = fixtureJson();
  const m = (o: Record<string, unknown>): Record<string, unknown> => o;
  const rule = (chain: string, handle: number, expr: unknown[]): Record<string, unknown> => m({ rule: { family: 'ip', table: 'filter', chain, handle, expr } });
  const accept = (key: string, name: string): unknown[] => [{ match: { op: '==', left: { meta: { key } }, right: name } }, { xt: { type: 'match', name: 'comment' } }, { counter: { packets: 0, bytes: 0 } }, { accept: null }];
  doc.nftables.push(
    { table: { family: 'ip', name: 'filter', handle: 90 } },
    { chain: { family: 'ip', table: 'filter', name: 'FORWARD', handle: 1, type: 'filter', hook: 'forward', prio: 0, policy: 'drop' } },
    { chain: { family: 'ip', table: 'filter', name: 'NODENET-FORWARD', handle: 2 } },
  );
  if (opts.compatJump) doc.nftables.push(rule('FORWARD', 10, [{ xt: { type: 'match', name: 'comment' } }, { counter: { packets: 0, bytes: 0 } }, { jump: { target: 'NODENET-FORWARD' } }]));
  if (opts.dropIn) doc.nftables.push(rule('FORWARD', 12, [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: opts.dropIn } }, { counter: { packets: 0, bytes: 0 } }, { drop: null }]));
  doc.nftables.push(rule('FORWARD', 11, [{ xt: { type: 'match', name: 'conntrack' } }, { counter: { packets: 0, bytes: 0 } }, { accept: null }]));
  let h = 20;
  for (const b of ['nn-backend', 'nn-frontend', 'nn-other', 'nn-quiet']) doc.nftables.push(rule('NODENET-FORWARD', h++, accept('iifname', b)), rule('NODENET-FORWARD', h++, accept('oifname', b)));
  const l = parseListing(JSON.stringify(doc));
  // As iptables -S prints the FORWARD chain (annotateIptables pairs these lines with the rules).
  const fwd = findChain(l, 'ip', 'filter', 'FORWARD')!;
  const lines = [
    ...(opts.compatJump ? ['-A FORWARD -m comment --comment nodenet -j NODENET-FORWARD'] : []),
    ...(opts.dropIn ? [`-A FORWARD -i ${opts.dropIn} -j DROP`] : []),
    '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  ];
  fwd.rules.forEach((r, i) => (r.ipt = lines[i]));
  return l;
}
