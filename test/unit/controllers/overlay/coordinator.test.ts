// The kube-mode claim loop against an in-memory claim store with atomic claims (what the API
// server gives through create-if-absent or resourceVersion checks), with every store call
// interleaved by fast-check's scheduler: over many concurrent joins and leaves, no two nodes ever
// hold the same slice, a node keeps its slice while it stays, and a slice left is reused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCidr } from '../../../../api/ip.js';
import { joinOverlay, type ClaimStore, type SliceClaim } from '../../../../controllers/overlay/coordinator.js';
import { layoutOf, type SliceLayout } from '../../../../controllers/overlay/slices.js';

/** Claims by slice; claim() is atomic, like a create of an object named after the slice. */
class MemoryClaims implements ClaimStore {
  readonly bySlice = new Map<number, SliceClaim>();
  /** Every state the table went through, to check the invariant at each step. */
  readonly history: SliceClaim[][] = [];
  taken = 0;

  async list(): Promise<SliceClaim[]> {
    return [...this.bySlice.values()].map((c) => ({ ...c }));
  }

  async claim(_network: string, c: SliceClaim): Promise<'claimed' | 'taken'> {
    const holder = this.bySlice.get(c.slice);
    if (holder && holder.node !== c.node) {
      this.taken++;
      return 'taken';
    }
    for (const [k, v] of this.bySlice) if (v.node === c.node && k !== c.slice) this.bySlice.delete(k);
    this.bySlice.set(c.slice, { ...c });
    this.history.push([...this.bySlice.values()]);
    return 'claimed';
  }

  async release(_network: string, node: string): Promise<void> {
    for (const [k, v] of this.bySlice) if (v.node === node) this.bySlice.delete(k);
    this.history.push([...this.bySlice.values()]);
  }
}

function layout(sliceSize: number): SliceLayout {
  return (layoutOf({ pools: [parseCidr('10.200.0.0/16')!], sliceSize }) as { layout: SliceLayout }).layout;
}

test('a node keeps its slice across restarts and moves its VTEP without a new slice', async () => {
  const store = new MemoryClaims();
  const l = layout(24);
  const a = await joinOverlay({ store, network: 'ov', layout: l, node: 'a', vtep: '192.168.1.1' });
  const b = await joinOverlay({ store, network: 'ov', layout: l, node: 'b', vtep: '192.168.1.2' });
  assert.deepEqual([a.slice, b.slice], [0, 1]);
  assert.deepEqual(await joinOverlay({ store, network: 'ov', layout: l, node: 'a', vtep: '192.168.1.1' }), a);
  assert.deepEqual(await joinOverlay({ store, network: 'ov', layout: l, node: 'a', vtep: '192.168.1.9' }), { node: 'a', vtep: '192.168.1.9', slice: 0 });
  await store.release('ov', 'a');
  assert.equal((await joinOverlay({ store, network: 'ov', layout: l, node: 'c', vtep: '192.168.1.3' })).slice, 0, 'a freed slice is reused');
});

test('a full overlay refuses one more node with a reason', async () => {
  const store = new MemoryClaims();
  const l = layout(17); // two slices
  await joinOverlay({ store, network: 'ov', layout: l, node: 'a', vtep: '1.1.1.1' });
  await joinOverlay({ store, network: 'ov', layout: l, node: 'b', vtep: '1.1.1.2' });
  await assert.rejects(joinOverlay({ store, network: 'ov', layout: l, node: 'c', vtep: '1.1.1.3' }), /no free slice left/);
});

test('property: concurrent joins and leaves never give one slice to two nodes', async () => {
  const nodes = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'];
  const op = fc.record({ node: fc.constantFrom(...nodes), leave: fc.boolean() });
  let total = 0;
  let lostRaces = 0;
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.array(op, { minLength: 1, maxLength: 30 }), async (s, ops) => {
      const store = new MemoryClaims();
      const raw = { list: store.list.bind(store), claim: store.claim.bind(store), release: store.release.bind(store) };
      const sched: ClaimStore = {
        list: s.scheduleFunction(raw.list),
        claim: s.scheduleFunction(raw.claim),
        release: s.scheduleFunction(raw.release),
      };
      const l = layout(21); // 32 slices for 8 nodes
      // One agent per node does its own joins and leaves in order; the nodes race each other.
      const held = new Map<string, number>();
      const chains = nodes.map(async (node) => {
        for (const [i, o] of ops.entries()) {
          if (o.node !== node) continue;
          if (o.leave) {
            await sched.release('ov', node);
            held.delete(node);
            continue;
          }
          const got = await joinOverlay({ store: sched, network: 'ov', layout: l, node, vtep: `10.0.0.${i + 1}` });
          assert.equal(store.bySlice.get(got.slice)?.node, node, `${node} believes it holds slice ${got.slice}`);
          if (held.has(node)) assert.equal(got.slice, held.get(node), `${node} kept its slice`);
          held.set(node, got.slice);
        }
      });
      await s.waitFor(Promise.all(chains));
      total += ops.length;
      lostRaces += store.taken;
      for (const state of store.history) {
        const slices = state.map((c) => c.slice);
        assert.equal(new Set(slices).size, slices.length, `slice held twice: ${JSON.stringify(state)}\n${s.report().length} scheduled steps`);
        const owners = state.map((c) => c.node);
        assert.equal(new Set(owners).size, owners.length, `a node holds two slices: ${JSON.stringify(state)}`);
      }
    }),
    { numRuns: 300 },
  );
  assert.ok(total > 1000, `exercised ${total} joins/leaves`);
  assert.ok(lostRaces > 0, 'some claims lost a race and were retried');
});
