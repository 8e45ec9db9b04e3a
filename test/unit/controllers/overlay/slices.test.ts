// The pure slice math: slices of one layout never overlap, stay inside their pool, round-trip
// through indexOfSlice, and dual-stack slices share their index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { containsCidr, formatCidr, overlaps, parseCidr, type Cidr } from '../../../../api/ip.js';
import { indexOfSlice, layoutOf, lowestFree, sliceGateway, sliceOfPool, slicesAt, type SliceLayout } from '../../../../controllers/overlay/slices.js';

const c = (t: string): Cidr => parseCidr(t)!;

function layout(pools: string[], sliceSize?: number): SliceLayout {
  const r = layoutOf({ pools: pools.map(c), ...(sliceSize !== undefined ? { sliceSize } : {}) });
  if ('problem' in r) throw new Error(r.problem);
  return r.layout;
}

test('defaults: a /16 splits into /24s, a /24 into /28s, a /64 into /72s; sliceSize wins', () => {
  assert.equal(formatCidr(slicesAt(layout(['10.200.0.0/16']), 3)[0]!), '10.200.3.0/24');
  assert.equal(formatCidr(slicesAt(layout(['10.9.9.0/24']), 2)[0]!), '10.9.9.32/28');
  assert.equal(formatCidr(slicesAt(layout(['fd00:1::/64']), 1)[0]!), 'fd00:1:0:0:100::/72');
  assert.equal(formatCidr(slicesAt(layout(['10.200.0.0/16'], 20), 3)[0]!), '10.200.48.0/20');
});

test('dual-stack: one index, one slice per family, same number of bits', () => {
  const l = layout(['fd00:9::/64', '10.9.0.0/16']);
  assert.deepEqual(slicesAt(l, 5).map(formatCidr), ['10.9.5.0/24', 'fd00:9:0:0:500::/72']);
  assert.equal(sliceGateway(slicesAt(l, 5)[0]!), '10.9.5.1');
  assert.equal(sliceGateway(slicesAt(l, 5)[1]!), 'fd00:9::500:0:0:1');
});

test('impossible layouts are refused with a reason', () => {
  assert.match(String((layoutOf({ pools: [c('10.0.0.0/24')], sliceSize: 31 }) as { problem: string }).problem), /too small/);
  assert.match(String((layoutOf({ pools: [c('10.0.0.0/24')], sliceSize: 16 }) as { problem: string }).problem), /not possible/);
  assert.match(String((layoutOf({ pools: [] }) as { problem: string }).problem), /no address pool/);
  assert.match(String((indexOfSlice(layout(['10.0.0.0/16']), c('10.0.1.0/25')) as { problem: string }).problem), /slices of 10\.0\.0\.0\/16 are \/24/);
  assert.match(String((indexOfSlice(layout(['10.0.0.0/16']), c('10.1.1.0/24')) as { problem: string }).problem), /outside/);
});

test('property: distinct indices give disjoint slices inside the pool, and indexOfSlice inverts sliceOfPool', () => {
  const arb = fc
    .record({ family: fc.constantFrom(4 as const, 6 as const), prefix4: fc.integer({ min: 8, max: 26 }), prefix6: fc.integer({ min: 48, max: 100 }), seed: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }) })
    .chain((p) => {
      const prefix = p.family === 4 ? p.prefix4 : p.prefix6;
      const max = (p.family === 4 ? 30 : 126) - prefix;
      return fc.record({ p: fc.constant({ ...p, prefix }), bits: fc.integer({ min: 0, max: Math.min(max, 12) }), i: fc.nat(), j: fc.nat() });
    });
  fc.assert(
    fc.property(arb, ({ p, bits, i, j }) => {
      const width = p.family === 4 ? 32 : 128;
      const base = (p.seed & ((1n << BigInt(width)) - 1n)) >> BigInt(width - p.prefix) << BigInt(width - p.prefix);
      const pool: Cidr = { family: p.family, base, prefix: p.prefix };
      const l: SliceLayout = { pools: [pool], bits };
      const n = 2 ** bits;
      const a = sliceOfPool(l, pool, i % n);
      const b = sliceOfPool(l, pool, j % n);
      assert.ok(containsCidr(pool, a));
      assert.equal(overlaps(a, b), i % n === j % n);
      assert.deepEqual(indexOfSlice(l, a), { index: i % n });
    }),
    { numRuns: 500 },
  );
});

test('lowestFree skips taken slices and says when none is left', () => {
  const l = layout(['10.0.0.0/24'], 26);
  assert.equal(lowestFree(l, new Set([0, 1, 3])), 2);
  assert.equal(lowestFree(l, new Set([0, 1, 2, 3])), undefined);
});
