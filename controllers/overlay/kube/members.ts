// Kube mode's MemberSource: the members of a vxlan Network (without spec.vxlan.peers) are its
// OverlayMember objects, watched by an informer. When the engine asks and this node holds no
// up-to-date claim, the node joins (joinOverlay over KubeClaimStore: keep its slice, else the lowest
// free one, retry when another node wins the race) and answers "waiting" until the watch shows the
// claim. Every change of an overlay's claims wakes that Network on this node, so joins and leaves
// reach every member. Claims go away when this node stops realizing the Network (after the
// teardown, see wire.ts), and claims of deleted Nodes are swept (dead-nodes.ts).
import { formatCidr } from '../../../api/ip.js';
import type { ResolvedNetwork } from '../../../api/v1alpha1/defaults.js';
import type { OverlayMemberObject } from '../../../api/v1alpha1/overlay-member.js';
import type { Network } from '../../../api/v1alpha1/types.js';
import type { Dataplane } from '../../dataplane/types.js';
import { poolsOf } from '../../ipam/pool.js';
import { errorText, log } from '../../lib/log.js';
import type { EngineContext } from '../../reconcile/context.js';
import type { KubeApi } from '../../source/kube/api.js';
import { Informer } from '../../source/kube/informer.js';
import { OrphanSweeper } from '../../source/kube/sweeper.js';
import { makeKey } from '../../store/keys.js';
import { declaredMembers, joinOverlay, type MemberSource, type SliceClaim } from '../coordinator.js';
import type { DeclaredMember } from '../membership.js';
import { layoutOf, sliceCount, slicesAt, type SliceLayout } from '../slices.js';
import { OVERLAY_MEMBERS_PATH, OverlayMemberApi } from './api.js';
import { claimOf, KubeClaimStore } from './claims.js';
import { sweepDeadNodeClaims } from './dead-nodes.js';
import { vtepFor, type OverlayNode } from './vtep.js';

export interface KubeOverlayOptions {
  api: KubeApi;
  node: string;
  /** The host's kernel: the address of spec.vxlan.underlayInterface. */
  dp: Dataplane;
  /** Period of the sweep of deleted nodes' claims (0: at start only). */
  deadNodeSweepMs: number;
  deadNodeSweepDelayMs?: () => number;
  watchTimeoutSeconds?: () => number;
  /** After a join, how long the watch may take to show the claim before joining again (default 10 s). */
  joinSettleMs?: number;
  /** How often unneeded claims are looked for without a change (retries failed releases; default 60 s, 0: never). */
  resyncMs?: number;
}

/** Holds and releases kernel work (wire.ts merges it with the source's own holds). */
export interface Hold {
  pause(reason: string): void;
  resume(): void;
}

type Claim = SliceClaim & { network: string; obj: OverlayMemberObject };

/** Networks whose members come from the API: vxlan without declared peers. */
export function usesClaims(n: Pick<Network, 'spec'>): boolean {
  return n.spec.driver === 'vxlan' && (n.spec.vxlan?.peers ?? []).length === 0;
}

const bySlice = (a: { slice: number }, b: { slice: number }): number => a.slice - b.slice;
const JOIN_RETRY_MS = 2000;

export class KubeOverlayMembers implements MemberSource {
  private readonly api: OverlayMemberApi;
  private readonly store: KubeClaimStore;
  private readonly sweeper: OrphanSweeper;
  private claimsInf: Informer<OverlayMemberObject> | undefined;
  private nodeInf: Informer<OverlayNode> | undefined;
  private ctx: EngineContext | undefined;
  private synced = false;
  private active = false;
  private stopped = false;
  private byNetwork = new Map<string, Claim[]>();
  private readonly signatures = new Map<string, string>();
  private nodeSignature = '';
  private readonly joins = new Map<string, Promise<void>>();
  private readonly joined = new Map<string, { slice: number; vtep: string; at: number }>();
  private readonly failures = new Map<string, { message: string; at: number }>();
  private readonly removals = new Map<string, Promise<void>>();
  private sweepTimer: NodeJS.Immediate | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: KubeOverlayOptions) {
    this.api = new OverlayMemberApi(opts.api.custom);
    this.store = new KubeClaimStore({ api: this.api, owner: () => this.owner() });
    this.sweeper = new OrphanSweeper({
      api: opts.api,
      periodMs: opts.deadNodeSweepMs,
      ...(opts.deadNodeSweepDelayMs ? { delayMs: opts.deadNodeSweepDelayMs } : {}),
      run: () => sweepDeadNodeClaims({ api: opts.api, members: this.api }),
      what: 'dead-node overlay claim sweep',
    });
  }

  /** The engine this source wakes and whose desired state and ledger decide what to keep. */
  bind(ctx: EngineContext): void {
    this.ctx = ctx;
  }

  /** Lists and watches the claims and this node's Node object; resolves once both are read. */
  async start(hold: Hold): Promise<void> {
    const { api, node } = this.opts;
    const onState = (): void => {
      if (this.stopped || !this.synced) return;
      const down = [this.claimsInf!, this.nodeInf!].filter((i) => i.state !== 'watching');
      if (down.length) hold.pause('watch of overlaymembers or the overlay\'s node disconnected');
      else hold.resume();
    };
    const timeout = this.opts.watchTimeoutSeconds ? { watchTimeoutSeconds: this.opts.watchTimeoutSeconds } : {};
    this.claimsInf = new Informer<OverlayMemberObject>({ name: 'overlaymembers', kc: api.kc, path: OVERLAY_MEMBERS_PATH, list: () => this.api.list(), onChange: () => this.onClaims(), onState, ...timeout });
    const fieldSelector = `metadata.name=${node}`;
    this.nodeInf = new Informer<OverlayNode>({
      name: 'overlay node', kc: api.kc, path: '/api/v1/nodes', fieldSelector, list: async () => (await api.listNodes({ fieldSelector })) as unknown as { items: OverlayNode[] }, onChange: () => this.onNode(), onState, ...timeout,
    });
    await Promise.all([this.claimsInf.start(), this.nodeInf.start()]);
    this.synced = true;
    this.onClaims();
    this.onNode();
  }

  /** The desired state is loaded: from now on, claims this node no longer needs are released. */
  activate(): void {
    this.active = true;
    this.sweeper.start();
    this.scheduleSweep();
    const ms = this.opts.resyncMs ?? 60_000;
    if (ms > 0) {
      this.resyncTimer = setInterval(() => this.scheduleSweep(), ms);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearImmediate(this.sweepTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await Promise.all([this.sweeper.stop(), this.claimsInf?.stop(), this.nodeInf?.stop()]);
    await Promise.allSettled([...this.joins.values(), ...this.removals.values()]);
  }

  members(n: ResolvedNetwork, selfNode: string): { members: DeclaredMember[] } | { waiting: string } {
    if (n.vxlan && n.vxlan.peers.length > 0) return declaredMembers.members(n, selfNode);
    if (!this.synced) return { waiting: 'the overlay members (OverlayMember objects) are not read from the API yet' };
    const laid = layoutOf({ pools: poolsOf(n).map((p) => p.cidr), ...(n.vxlan?.sliceSize !== undefined ? { sliceSize: n.vxlan.sliceSize } : {}) });
    // No members: the driver computes the same layout and reports why it is impossible (InvalidSlices).
    if ('problem' in laid) return { members: [] };
    const layout = laid.layout;
    const v = vtepFor({ n, node: this.selfNode(), nodeName: selfNode, dp: this.opts.dp });
    if ('problem' in v) return { waiting: v.problem };
    const subnetsOf = (slice: number): string[] => slicesAt(layout, slice).map(formatCidr);
    const usable = (this.byNetwork.get(n.name) ?? []).filter((c) => c.slice < sliceCount(layout)).sort(bySlice);
    const mine = usable.find((c) => c.node === selfNode);
    if (!mine || mine.vtep !== v.vtep || String(mine.subnets ?? '') !== String(subnetsOf(mine.slice))) return { waiting: this.joinSoon(n.name, layout, v.vtep) };
    this.joined.delete(n.name);
    this.failures.delete(n.name);
    // One entry per node (the lowest slice, should a node ever hold two): the driver refuses duplicates.
    const byNode = new Map<string, Claim>();
    for (const c of usable) if (!byNode.has(c.node)) byNode.set(c.node, c);
    return { members: [...byNode.values()].map((c) => ({ node: c.node, address: c.vtep, subnet: subnetsOf(c.slice)[0]! })) };
  }

  /** This node tore the Network down: its claims go (a fresh list, not the cache, so none is missed). */
  async released(network: string): Promise<void> {
    if (!this.ctx || this.keep(network)) return;
    try {
      await this.store.release(network, this.opts.node);
      log.info('overlay slice released', { network });
    } catch (err) {
      // The sweep of this node's unneeded claims retries at the next change or resync.
      log.warn('could not release the overlay slice; will retry', { network, err: errorText(err) });
    }
  }

  /** Starts a join unless one runs or just finished; returns what the Network waits for. */
  private joinSoon(network: string, layout: SliceLayout, vtep: string): string {
    const waiting = `claiming a slice of ${network} through the API (OverlayMember ${network}.<slice>)`;
    if (this.joins.has(network)) return waiting;
    const done = this.joined.get(network);
    if (done && done.vtep === vtep && Date.now() - done.at < (this.opts.joinSettleMs ?? 10_000)) return `claimed slice ${done.slice} of ${network}; waiting for the watch to show it`;
    const failed = this.failures.get(network);
    if (failed && Date.now() - failed.at < JOIN_RETRY_MS) return failed.message;
    const { node } = this.opts;
    const subnetsOf = (slice: number): string[] => slicesAt(layout, slice).map(formatCidr);
    const run = (async (): Promise<void> => {
      try {
        await this.store.prune(network, node, (slice) => slice < sliceCount(layout));
        const c = await joinOverlay({ store: this.store, network, layout, node, vtep, subnetsOf });
        this.joined.set(network, { slice: c.slice, vtep, at: Date.now() });
        this.failures.delete(network);
        log.info('overlay slice claimed', { network, slice: c.slice, vtep, subnets: c.subnets });
        this.wake(network);
      } catch (err) {
        const message = `could not claim a slice of ${network}: ${errorText(err)}`;
        this.failures.set(network, { message, at: Date.now() });
        log.warn('overlay join failed', { network, err: errorText(err) });
        // A full overlay may hold slices of nodes that are gone.
        if (/no free slice/.test(message)) this.sweeper.trigger([`${network} full ${Date.now()}`]);
      } finally {
        this.joins.delete(network);
      }
    })();
    this.joins.set(network, run);
    return failed?.message ?? waiting;
  }

  private onClaims(): void {
    if (!this.claimsInf || !this.synced) return;
    const index = new Map<string, Claim[]>();
    for (const o of this.claimsInf.list()) {
      const c = claimOf(o);
      if (!c || o.metadata.deletionTimestamp) continue;
      const list = index.get(c.network) ?? [];
      list.push({ ...c, obj: o });
      index.set(c.network, list);
    }
    this.byNetwork = index;
    for (const network of new Set([...this.signatures.keys(), ...index.keys()])) {
      const sig = (index.get(network) ?? []).map((c) => `${c.slice} ${c.node} ${c.vtep} ${String(c.subnets ?? '')}`).sort().join('\n');
      if ((this.signatures.get(network) ?? '') === sig) continue;
      if (sig) this.signatures.set(network, sig);
      else this.signatures.delete(network);
      this.wake(network);
    }
    this.scheduleSweep();
  }

  private onNode(): void {
    const n = this.selfNode();
    const sig = JSON.stringify([n?.metadata.uid, n?.status?.addresses]);
    if (sig === this.nodeSignature) return;
    this.nodeSignature = sig;
    // The default VTEP is the node's InternalIP: every overlay of this node looks again.
    for (const key of this.ctx?.store.keys() ?? []) {
      const d = this.ctx!.store.get(key);
      if (d?.object.kind === 'Network' && usesClaims(d.object as Network)) this.ctx!.enqueue(key);
    }
  }

  /** Reconciles the Network on this node if it is there (desired, or still built). */
  private wake(network: string): void {
    const key = makeKey('Network', network);
    if (this.ctx && (this.ctx.store.get(key) || this.ctx.ledger.get('networks', network))) this.ctx.enqueue(key);
  }

  /** Whether this node still needs its claim on network: it realizes it, joins it, or is tearing it down. */
  private keep(network: string): boolean {
    if (this.joins.has(network)) return true;
    const d = this.ctx!.store.get(makeKey('Network', network));
    if (d) return usesClaims(d.object as Network);
    return this.ctx!.ledger.get('networks', network) !== undefined;
  }

  private scheduleSweep(): void {
    if (!this.active || this.stopped || this.sweepTimer) return;
    this.sweepTimer = setImmediate(() => {
      this.sweepTimer = undefined;
      this.releaseUnneeded();
    });
  }

  /** Level-triggered release: every claim of this node on a network it does not need (crash-safe). */
  private releaseUnneeded(): void {
    if (!this.active || this.stopped || !this.ctx || this.ctx.paused?.()) return;
    for (const [network, claims] of this.byNetwork) {
      if (this.keep(network)) continue;
      for (const c of claims) if (c.node === this.opts.node) this.remove(c.obj);
    }
  }

  private remove(o: OverlayMemberObject): void {
    const name = o.metadata.name;
    if (this.removals.has(name)) return;
    const run = this.api
      .remove(o)
      .then((gone) => {
        if (gone) log.info('overlay slice released', { claim: name, network: o.spec.network });
      })
      .catch((err: unknown) => log.warn('could not release an overlay slice; will retry', { claim: name, err: errorText(err) }))
      .finally(() => this.removals.delete(name));
    this.removals.set(name, run);
  }

  private selfNode(): OverlayNode | undefined {
    return this.nodeInf?.list().find((n) => n.metadata.name === this.opts.node);
  }

  private owner(): { name: string; uid: string } | undefined {
    const n = this.selfNode();
    return n?.metadata.uid ? { name: n.metadata.name, uid: n.metadata.uid } : undefined;
  }

}
