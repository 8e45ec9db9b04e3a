// Slices of an overlay network's subnet(s): every node allocates only from its own slice, so no
// address is ever handed out twice across nodes without the nodes talking to each other. A slice
// is an index k: in each address family's pool it is the k-th sub-block with the same number of
// slice bits, so a dual-stack node holds one IPv4 and one IPv6 block identified by one number.
// Pure (no kernel, no I/O): file mode, kube mode and the validation share it.
import { bits as familyBits, firstHost, formatCidr, formatIp, type Cidr, type IpFamily } from '../../api/ip.js';

export interface SliceLayout {
  /** The overlay's pools, IPv4 first (at most one per family). */
  pools: readonly Cidr[];
  /** Each pool splits into 2^bits slices of prefix (pool prefix + bits). */
  bits: number;
}

/** Slices smaller than this (prefix longer) leave no room for a gateway and a host. */
const MAX_SLICE_PREFIX: Record<IpFamily, number> = { 4: 30, 6: 126 };
/** Keeps slice indices well inside a JS number and a claim table small enough to scan. */
export const MAX_SLICE_BITS = 20;
/** Default: 8 bits (a /16 gives /24 slices), fewer when the pool is small, so a slice keeps >= 16 addresses. */
export const DEFAULT_SLICE_BITS = 8;

export type LayoutResult = { layout: SliceLayout } | { problem: string };

function poolOf(pools: readonly Cidr[], family: IpFamily): Cidr | undefined {
  return pools.find((p) => p.family === family);
}

/**
 * The layout of an overlay: sliceSize (a prefix length of the first pool) wins, else the prefix of
 * a declared slice, else the default. Every pool must have room for slices of that many bits.
 */
export function layoutOf(opts: { pools: readonly Cidr[]; sliceSize?: number; declared?: readonly Cidr[] }): LayoutResult {
  const pools = [...opts.pools].sort((a, b) => a.family - b.family);
  const main = pools[0];
  if (!main) return { problem: 'the overlay has no address pool' };
  let bits: number;
  const sample = opts.declared?.[0];
  if (opts.sliceSize !== undefined) bits = opts.sliceSize - main.prefix;
  else if (sample) bits = sample.prefix - (poolOf(pools, sample.family)?.prefix ?? sample.prefix);
  else bits = Math.max(0, Math.min(DEFAULT_SLICE_BITS, familyBits(main.family) - main.prefix - 4));
  if (bits < 0 || bits > MAX_SLICE_BITS) return { problem: `slices of ${bits} bits are not possible (0-${MAX_SLICE_BITS} bits below the subnet prefix)` };
  for (const p of pools) {
    const prefix = p.prefix + bits;
    if (prefix > MAX_SLICE_PREFIX[p.family]) {
      return { problem: `slices of ${formatCidr(p)} would be /${prefix}: too small for a gateway and a host (at most /${MAX_SLICE_PREFIX[p.family]})` };
    }
  }
  return { layout: { pools, bits } };
}

export function sliceCount(l: SliceLayout): number {
  return 2 ** l.bits;
}

/** The index-th slice of one pool. */
export function sliceOfPool(l: SliceLayout, pool: Cidr, index: number): Cidr {
  if (!Number.isInteger(index) || index < 0 || index >= sliceCount(l)) throw new RangeError(`slice ${index} out of range 0-${sliceCount(l) - 1}`);
  const prefix = pool.prefix + l.bits;
  const shift = BigInt(familyBits(pool.family) - prefix);
  return { family: pool.family, base: pool.base | (BigInt(index) << shift), prefix };
}

/** The index-th slice in every pool, IPv4 first. */
export function slicesAt(l: SliceLayout, index: number): Cidr[] {
  return l.pools.map((p) => sliceOfPool(l, p, index));
}

/** Which slice a CIDR is, or why it is not one (outside the pools, wrong size). */
export function indexOfSlice(l: SliceLayout, c: Cidr): { index: number } | { problem: string } {
  const pool = poolOf(l.pools, c.family);
  const text = formatCidr(c);
  if (!pool) return { problem: `${text}: the overlay has no IPv${c.family} pool` };
  const prefix = pool.prefix + l.bits;
  if (c.prefix !== prefix) return { problem: `${text} is not a slice: slices of ${formatCidr(pool)} are /${prefix}` };
  const shift = BigInt(familyBits(c.family) - prefix);
  const index = Number((c.base - pool.base) >> shift);
  if (c.base < pool.base || index >= sliceCount(l)) return { problem: `${text} is outside ${formatCidr(pool)}` };
  return { index };
}

/** The lowest slice index nobody holds, or undefined when all are taken. */
export function lowestFree(l: SliceLayout, taken: ReadonlySet<number>): number | undefined {
  for (let i = 0; i < sliceCount(l); i++) if (!taken.has(i)) return i;
  return undefined;
}

/** A node's gateway in one slice: its first host address (on the node's bridge). */
export function sliceGateway(c: Cidr): string {
  return formatIp(c.family, firstHost(c));
}
