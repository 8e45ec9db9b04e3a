// Members and their slices: declared slices kept, the rest assigned the same way on every node,
// this node found by name, and every problem named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCidr } from '../../../../api/ip.js';
import { assignSlices, membershipOf, type DeclaredMember } from '../../../../controllers/overlay/membership.js';
import { layoutOf, type SliceLayout } from '../../../../controllers/overlay/slices.js';

const L = (layoutOf({ pools: [parseCidr('10.200.0.0/16')!] }) as { layout: SliceLayout }).layout;

test('declared slices are kept; the others get the lowest free ones in node-name order', () => {
  const r = assignSlices(L, [
    { node: 'c', address: '192.168.100.3' },
    { node: 'a', address: '192.168.100.1', subnet: '10.200.0.0/24' },
    { node: 'b', address: '192.168.100.2' },
  ]);
  assert.ok('slices' in r);
  assert.deepEqual(Object.fromEntries(r.slices), { a: 0, b: 1, c: 2 });
});

test('this node: its own entry and the others as peers; not listed: NotAMember', () => {
  const members: DeclaredMember[] = [
    { node: 'a', address: '192.168.100.1' },
    { node: 'b', address: '192.168.100.2' },
  ];
  const r = membershipOf(L, members, 'b');
  assert.ok('membership' in r);
  assert.deepEqual(r.membership.self, { node: 'b', vtep: '192.168.100.2', slice: 1 });
  assert.deepEqual(r.membership.peers, [{ node: 'a', vtep: '192.168.100.1', slice: 0 }]);
  const out = membershipOf(L, members, 'z');
  assert.ok('reason' in out && out.reason === 'NotAMember');
  assert.match(out.problem, /this node \(z\) is not a member/);
});

test('clashing declarations are refused', () => {
  assert.match(String((assignSlices(L, [{ node: 'a', address: 'x', subnet: '10.200.1.0/24' }, { node: 'b', address: 'y', subnet: '10.200.1.0/24' }]) as { problem: string }).problem), /already held by node a/);
  assert.match(String((assignSlices(L, [{ node: 'a', address: 'x' }, { node: 'a', address: 'y' }]) as { problem: string }).problem), /declared twice/);
  assert.match(String((assignSlices(L, [{ node: 'a', address: 'x', subnet: '10.200.1.0/25' }]) as { problem: string }).problem), /not a slice/);
  const r = membershipOf(L, [{ node: 'a', address: '192.168.1.1' }, { node: 'b', address: '192.168.1.1' }], 'a');
  assert.ok('reason' in r && /same underlay address/.test(r.problem));
});

test('property: any member list gives every member a distinct slice, the same whatever the order', () => {
  const arbMembers = fc.uniqueArray(
    fc.record({ node: fc.stringMatching(/^[a-z]{1,6}$/), explicit: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }) }),
    { selector: (m) => m.node, maxLength: 40 },
  );
  fc.assert(
    fc.property(arbMembers, fc.nat(), (raw, seed) => {
      const seen = new Set<number>();
      const members = raw.map((m, i) => {
        const explicit = m.explicit !== undefined && !seen.has(m.explicit) ? m.explicit : undefined;
        if (explicit !== undefined) seen.add(explicit);
        return { node: m.node, address: `192.168.${Math.floor(i / 200)}.${(i % 200) + 1}`, ...(explicit !== undefined ? { subnet: `10.200.${explicit}.0/24` } : {}) };
      });
      const r = assignSlices(L, members);
      assert.ok('slices' in r, JSON.stringify(r));
      assert.equal(new Set(r.slices.values()).size, members.length, 'distinct');
      for (const m of members) if (m.subnet) assert.equal(`10.200.${r.slices.get(m.node)}.0/24`, m.subnet, 'declared kept');
      const shuffled = [...members].sort((a, b) => ((a.node.charCodeAt(0) * 31 + seed) % 7) - ((b.node.charCodeAt(0) * 31 + seed) % 7));
      const again = assignSlices(L, shuffled);
      assert.ok('slices' in again);
      assert.deepEqual(Object.fromEntries([...again.slices].sort()), Object.fromEntries([...r.slices].sort()), 'order does not matter');
    }),
    { numRuns: 300 },
  );
});
