// Kube mode's claim store (OverlayMember objects named <network>.<slice>) against the test API
// server, every node as its own user under the shipped RBAC rules and admission policies. The
// join loop runs over real API calls: interleaved by fast-check's scheduler (joins and leaves of
// eight nodes, every server state checked through a watch), and truly concurrent (sixteen nodes
// joining at once). Plus the CRD's own guards, VTEP updates, releases and the dead-node sweep.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCidr } from '../../../../../api/ip.js';
import { OVERLAY_MEMBER_PLURAL, SLICE_INDEX_MAX, type OverlayMemberObject } from '../../../../../api/v1alpha1/overlay-member.js';
import { GROUP, VERSION } from '../../../../../api/v1alpha1/types.js';
import { joinOverlay, type ClaimStore } from '../../../../../controllers/overlay/coordinator.js';
import { OverlayMemberApi } from '../../../../../controllers/overlay/kube/api.js';
import { KubeClaimStore } from '../../../../../controllers/overlay/kube/claims.js';
import { sweepDeadNodeClaims } from '../../../../../controllers/overlay/kube/dead-nodes.js';
import { layoutOf, MAX_SLICE_BITS, type SliceLayout } from '../../../../../controllers/overlay/slices.js';
import { KubeApi } from '../../../../../controllers/source/kube/api.js';
import { raw, rawWatch, type RawWatch } from '../../../../kubeapi/index.js';
import { AGENT_SA, enforceDeployPolicy, type EnforcedPolicy } from '../../../../helpers/kube-policy.js';
import { startKubeWorld, type KubeWorld } from '../../../../helpers/kube.js';

const PATH = `/apis/${GROUP}/${VERSION}/${OVERLAY_MEMBER_PLURAL}`;
const NODES = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'];

function layout(sliceSize: number): SliceLayout {
  return (layoutOf({ pools: [parseCidr('10.200.0.0/16')!], sliceSize }) as { layout: SliceLayout }).layout;
}

describe('KubeClaimStore against the test API server', () => {
  let w: KubeWorld;
  let policy: EnforcedPolicy;
  const apis = new Map<string, KubeApi>();
  /** The API client of node n (its own user, bound to its node by the policy stand-in). */
  const apiOf = (node: string): KubeApi => {
    let a = apis.get(node);
    if (!a) apis.set(node, (a = new KubeApi(w.server.kubeConfig(`agent-${node}`))));
    return a;
  };
  const storeOf = (node: string): KubeClaimStore => new KubeClaimStore({ api: new OverlayMemberApi(apiOf(node).custom) });
  const claims = async (network?: string): Promise<OverlayMemberObject[]> =>
    ((await raw(w.admin, { path: network ? `${PATH}?fieldSelector=spec.network%3D${network}` : PATH })).body as { items: OverlayMemberObject[] }).items;

  before(async () => {
    w = await startKubeWorld();
    const ids = Object.fromEntries([...NODES, ...Array.from({ length: 16 }, (_, i) => `c${i}`)].map((n) => [`agent-${n}`, { username: AGENT_SA, node: n }]));
    policy = enforceDeployPolicy(w.server, ids);
    for (const n of NODES) await w.node(n);
  });
  after(async () => {
    policy?.stop();
    await w?.stop();
  });

  it('the CRD keeps claims honest: named <network>.<slice>, one object per slice, network/node/slice immutable', async () => {
    assert.equal(SLICE_INDEX_MAX, 2 ** MAX_SLICE_BITS - 1, 'the CRD allows exactly the slice indices a layout can have');
    const post = (name: string, slice: number, node = 'n0'): Promise<{ code: number }> =>
      raw(w.admin, { method: 'POST', path: PATH, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'OverlayMember', metadata: { name }, spec: { network: 'crd', node, vtep: '10.0.0.1', slice } } });
    assert.equal((await post('crd.3', 3)).code, 201);
    assert.equal((await post('crd.3', 3, 'n1')).code, 409, 'the slice is taken: AlreadyExists');
    assert.equal((await post('crd.4', 5)).code, 422, 'a claim named after another slice is refused');
    const cur = (await raw(w.admin, { path: `${PATH}/crd.3` })).body as OverlayMemberObject;
    for (const change of [{ node: 'n1' }, { slice: 4 }, { network: 'other' }]) {
      const r = await raw(w.admin, { method: 'PUT', path: `${PATH}/crd.3`, body: { ...cur, spec: { ...cur.spec, ...change } } });
      assert.equal(r.code, 422, JSON.stringify(change));
    }
    const moved = await raw(w.admin, { method: 'PUT', path: `${PATH}/crd.3`, body: { ...cur, spec: { ...cur.spec, vtep: '10.0.0.9' } } });
    assert.equal(moved.code, 200, 'the VTEP may change');
    assert.equal((await raw(w.admin, { method: 'DELETE', path: `${PATH}/crd.3` })).code, 200);
  });

  it('a node keeps its slice, moves its VTEP in place (conditional update), and a freed slice is reused', async () => {
    const l = layout(24);
    const [a, b, c] = [storeOf('n0'), storeOf('n1'), storeOf('n2')];
    const subnetsOf = (s: number): string[] => [`10.200.${s}.0/24`];
    const ja = await joinOverlay({ store: a, network: 'keep', layout: l, node: 'n0', vtep: '192.168.1.1', subnetsOf });
    const jb = await joinOverlay({ store: b, network: 'keep', layout: l, node: 'n1', vtep: '192.168.1.2', subnetsOf });
    assert.deepEqual([ja.slice, jb.slice], [0, 1]);
    const before = (await claims('keep')).find((o) => o.metadata.name === 'keep.0')!;
    assert.deepEqual(before.spec, { network: 'keep', node: 'n0', vtep: '192.168.1.1', slice: 0, subnets: ['10.200.0.0/24'] });
    // A restarted agent (a new store, nothing remembered) finds its claim again.
    assert.equal((await joinOverlay({ store: storeOf('n0'), network: 'keep', layout: l, node: 'n0', vtep: '192.168.1.1', subnetsOf })).slice, 0);
    const moved = await joinOverlay({ store: storeOf('n0'), network: 'keep', layout: l, node: 'n0', vtep: '192.168.1.9', subnetsOf });
    assert.equal(moved.slice, 0);
    const after = (await claims('keep')).find((o) => o.metadata.name === 'keep.0')!;
    assert.equal(after.spec.vtep, '192.168.1.9');
    assert.equal(after.metadata.uid, before.metadata.uid, 'updated in place, never released in between');
    // A stale update (someone changed the object since the list) is refused, not overwritten.
    const stale = storeOf('n0');
    await stale.list('keep');
    await joinOverlay({ store: storeOf('n0'), network: 'keep', layout: l, node: 'n0', vtep: '192.168.1.10', subnetsOf });
    assert.equal(await stale.claim('keep', { node: 'n0', vtep: '192.168.1.11', slice: 0 }), 'taken');
    assert.equal((await claims('keep')).find((o) => o.metadata.name === 'keep.0')!.spec.vtep, '192.168.1.10');
    await a.release('keep', 'n0');
    assert.deepEqual((await claims('keep')).map((o) => `${o.metadata.name}:${o.spec.node}`), ['keep.1:n1'], 'release removes only its own claims');
    assert.equal((await joinOverlay({ store: c, network: 'keep', layout: l, node: 'n2', vtep: '192.168.1.3', subnetsOf })).slice, 0, 'freed slice reused');
    assert.deepEqual(policy.refused, []);
    assert.deepEqual(policy.denied, []);
  });

  it('the admission policy: a node may create and update only claims naming itself', async () => {
    const forged = new OverlayMemberApi(apiOf('n3').custom);
    const spec = { network: 'forge', node: 'n4', vtep: '10.0.0.4', slice: 0 };
    await assert.rejects(forged.create({ apiVersion: `${GROUP}/${VERSION}`, kind: 'OverlayMember', metadata: { name: 'forge.0' }, spec }), /HTTP 403/);
    const owned = { apiVersion: `${GROUP}/${VERSION}`, kind: 'OverlayMember', metadata: { name: 'forge.0', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n4', uid: 'x' }] }, spec: { ...spec, node: 'n3' } };
    await assert.rejects(forged.create(owned), /HTTP 403/, 'owned by another node');
    assert.equal(await storeOf('n4').claim('forge', { node: 'n4', vtep: '10.0.0.4', slice: 0 }), 'claimed');
    const victim = (await claims('forge'))[0]!;
    await assert.rejects(forged.replace({ ...victim, spec: { ...victim.spec, vtep: '10.0.0.66' } }), /HTTP 403/);
    assert.equal(policy.denied.filter((d) => d.startsWith('agent-n3 ')).length, 3);
    policy.denied.length = 0;
  });

  it('two nodes claiming the same slice at the same moment: exactly one wins, the loser joins on the next slice', async () => {
    const l = layout(24);
    const wins = { n0: 0, n1: 0 };
    for (let round = 0; round < 20; round++) {
      const network = `duel${round}`;
      const stores = { n0: storeOf('n0'), n1: storeOf('n1') };
      await Promise.all([stores.n0.list(network), stores.n1.list(network)]);
      // Both requests are in flight together; which one is sent first alternates.
      const c0 = (): Promise<'claimed' | 'taken'> => stores.n0.claim(network, { node: 'n0', vtep: '10.0.0.1', slice: 0 });
      const c1 = (): Promise<'claimed' | 'taken'> => stores.n1.claim(network, { node: 'n1', vtep: '10.0.0.2', slice: 0 });
      const [r0, r1] = round % 2 ? (await Promise.all([c1(), c0()])).reverse() : await Promise.all([c0(), c1()]);
      assert.deepEqual([r0, r1].sort(), ['claimed', 'taken'], `round ${round}: one winner`);
      const [winner, loser] = r0 === 'claimed' ? (['n0', 'n1'] as const) : (['n1', 'n0'] as const);
      wins[winner]++;
      const joined = await joinOverlay({ store: stores[loser], network, layout: l, node: loser, vtep: loser === 'n0' ? '10.0.0.1' : '10.0.0.2' });
      assert.equal(joined.slice, 1, `round ${round}: the loser took the next slice`);
      assert.deepEqual((await claims(network)).map((o) => `${o.metadata.name}:${o.spec.node}`), [`${network}.0:${winner}`, `${network}.1:${loser}`]);
    }
    console.log(`# 20 duels over one slice: n0 won ${wins.n0}, n1 won ${wins.n1}`);
    assert.deepEqual(policy.refused, []);
    assert.deepEqual(policy.denied, []);
  });

  it('property: interleaved joins and leaves of eight nodes never give one slice to two nodes, nor two slices to one node', async () => {
    const l = layout(21); // 32 slices for 8 nodes
    let run = 0;
    let total = 0;
    let lostRaces = 0;
    let states = 0;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(fc.record({ node: fc.constantFrom(...NODES), leave: fc.boolean() }), { minLength: 8, maxLength: 32 }), async (s, ops) => {
        const network = `p${run++}`;
        const startRv = w.server.resourceVersion();
        const watch = rawWatch(w.admin, `${PATH}?watch=true&resourceVersion=${startRv}&fieldSelector=spec.network%3D${network}`);
        try {
          const held = new Map<string, number>();
          const chains = NODES.map(async (node) => {
            const real = storeOf(node);
            let taken = 0;
            const store: ClaimStore = {
              list: s.scheduleFunction((n: string) => real.list(n)),
              claim: s.scheduleFunction(async (n: string, c: Parameters<ClaimStore['claim']>[1]) => {
                const r = await real.claim(n, c);
                if (r === 'taken') taken++;
                return r;
              }),
              release: s.scheduleFunction((n: string, who: string) => real.release(n, who)),
            };
            for (const [i, o] of ops.entries()) {
              if (o.node !== node) continue;
              if (o.leave) {
                await store.release(network, node);
                held.delete(node);
                continue;
              }
              const got = await joinOverlay({ store, network, layout: l, node, vtep: `10.0.${NODES.indexOf(node)}.${i + 1}` });
              const onServer = (await raw(w.admin, { path: `${PATH}/${network}.${got.slice}` })).body as OverlayMemberObject;
              assert.equal(onServer.spec?.node, node, `${node} believes it holds slice ${got.slice}`);
              if (held.has(node)) assert.equal(got.slice, held.get(node), `${node} kept its slice`);
              held.set(node, got.slice);
            }
            lostRaces += taken;
          });
          await s.waitFor(Promise.all(chains));
          total += ops.length;
          // Every state the server went through for this network, replayed from the watch.
          const rv = w.server.resourceVersion();
          const events = rv !== startRv ? await eventsUpTo(watch, String(rv)) : [];
          const state = new Map<string, OverlayMemberObject>();
          for (const e of events) {
            if (e.type === 'DELETED') state.delete(e.object.metadata.name);
            else state.set(e.object.metadata.name, e.object);
            states++;
            const all = [...state.values()];
            assert.equal(new Set(all.map((o) => o.spec.slice)).size, all.length, `slice held twice: ${JSON.stringify(all.map((o) => o.spec))}`);
            assert.equal(new Set(all.map((o) => o.spec.node)).size, all.length, `a node holds two slices: ${JSON.stringify(all.map((o) => o.spec))}`);
          }
          const final = await claims(network);
          assert.deepEqual(final.map((o) => `${o.spec.node}:${o.spec.slice}`).sort(), [...held].map(([n, sl]) => `${n}:${sl}`).sort(), 'the server holds exactly what the nodes believe');
        } finally {
          watch.close();
        }
      }),
      { numRuns: 40 },
    );
    console.log(`# ${total} joins/leaves in ${run} runs, ${states} server states checked, ${lostRaces} claims lost a race and were retried`);
    assert.ok(total >= 40 * 8, `exercised ${total} joins/leaves`);
    assert.ok(lostRaces > 0, 'some claims lost a race');
    assert.deepEqual(policy.refused, []);
    assert.deepEqual(policy.denied, []);
  });

  it('sixteen nodes joining at the same moment get sixteen different slices', async () => {
    const l = layout(20); // 16 slices: exactly enough
    const nodes = Array.from({ length: 16 }, (_, i) => `c${i}`);
    let taken = 0;
    const started = Date.now();
    const got = await Promise.all(
      nodes.map(async (node, i) => {
        const real = storeOf(node);
        const store: ClaimStore = {
          list: (n) => real.list(n),
          claim: async (n, c) => {
            const r = await real.claim(n, c);
            if (r === 'taken') taken++;
            return r;
          },
          release: (n, who) => real.release(n, who),
        };
        return joinOverlay({ store, network: 'rush', layout: l, node, vtep: `10.1.0.${i + 1}` });
      }),
    );
    const ms = Date.now() - started;
    console.log(`# 16 concurrent joins: ${ms} ms, ${taken} lost races retried`);
    assert.deepEqual(got.map((c) => c.slice).sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => i));
    const onServer = await claims('rush');
    assert.deepEqual(onServer.map((o) => o.spec.node).sort(), [...nodes].sort());
    assert.ok(taken > 0, 'the joiners did race');
    await assert.rejects(joinOverlay({ store: storeOf('n0'), network: 'rush', layout: l, node: 'n0', vtep: '10.1.1.1' }), /no free slice left/);
  });

  it('dead-node sweep: claims of nodes without a Node object go, the others stay, and a claim re-created in between survives', async () => {
    await storeOf('n5').claim('dead', { node: 'n5', vtep: '10.0.0.5', slice: 0 });
    for (const ghost of ['ghost-1', 'ghost-2']) {
      await raw(w.admin, { method: 'POST', path: PATH, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'OverlayMember', metadata: { name: `dead.${ghost.slice(-1)}` }, spec: { network: 'dead', node: ghost, vtep: `10.0.9.${ghost.slice(-1)}`, slice: Number(ghost.slice(-1)) } } });
    }
    const api = apiOf('n6');
    const members = new OverlayMemberApi(api.custom);
    const seen = (await members.list('dead')).items.find((o) => o.spec.node === 'ghost-2')!;
    const r = await sweepDeadNodeClaims({ api, members });
    assert.ok(r.removed.includes('OverlayMember dead.1: ghost-1') && r.removed.includes('OverlayMember dead.2: ghost-2'), JSON.stringify(r.removed));
    assert.deepEqual((await claims('dead')).map((o) => o.spec.node), ['n5']);
    assert.ok((await claims()).every((o) => !o.spec.node.startsWith('ghost')), 'no other network keeps a dead node\'s claim');
    // The sweep deletes exactly the object it saw: a claim made again since then is not touched.
    await raw(w.admin, { method: 'POST', path: PATH, body: { ...seen, metadata: { name: seen.metadata.name } } });
    assert.equal(await members.remove(seen), false);
    assert.deepEqual((await claims('dead')).map((o) => o.spec.node).sort(), ['ghost-2', 'n5']);
    assert.deepEqual(policy.refused, [], 'the sweep needs only list on nodes and delete on overlaymembers');
    assert.deepEqual(policy.denied, []);
  });
});

/** Watch events until the one at resourceVersion rv (the state the server is in now). */
async function eventsUpTo(watch: RawWatch, rv: string): Promise<{ type: string; object: OverlayMemberObject }[]> {
  const out: { type: string; object: OverlayMemberObject }[] = [];
  for (;;) {
    const e = (await watch.next(5000)) as unknown as { type: string; object: OverlayMemberObject & { metadata: { resourceVersion: string } } };
    if (e.type === 'BOOKMARK') {
      if (BigInt(e.object.metadata.resourceVersion) >= BigInt(rv)) return out;
      continue;
    }
    out.push(e);
    if (BigInt(e.object.metadata.resourceVersion) >= BigInt(rv)) return out;
  }
}
