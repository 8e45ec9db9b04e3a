// The vxlan (overlay) driver: one subnet spanning nodes. On this node it is a bridge (like the
// bridge driver) whose gateway is the first address of the node's slice, plus a VXLAN port whose
// forwarding entries reach every other member. Attachments are veths on the bridge, allocated
// from the node's slice only (bridge-view.ts), so no address is ever given twice across nodes.
import { parseCidr, formatCidr, type Cidr } from '../../../api/ip.js';
import type { ResolvedNetwork } from '../../../api/v1alpha1/defaults.js';
import type { Network } from '../../../api/v1alpha1/types.js';
import type { NetnsSession } from '../../dataplane/types.js';
import { poolsOf } from '../../ipam/pool.js';
import { markerOf } from '../../model/names.js';
import { declaredMembers } from '../../overlay/coordinator.js';
import { membershipOf, type Membership } from '../../overlay/membership.js';
import { layoutOf, sliceGateway, slicesAt, type SliceLayout } from '../../overlay/slices.js';
import type { Result } from '../../queue/workqueue.js';
import type { OverlayRecord } from '../../state/ledger.js';
import type { DesiredObject } from '../../store/desired.js';
import type { EngineContext } from '../context.js';
import { dismantleNetwork, observeBridge, planBridge } from '../network.js';
import { report } from '../report.js';
import { applySteps } from '../steps.js';
import { overlayView } from './bridge-view.js';
import type { NetworkDriver } from './types.js';
import { findUnderlay, overlayMtu, type Underlay } from './underlay.js';
import { planVxlan, vxlanDeviceName, type VxlanDesired } from './vxlan-plan.js';

/** While the underlay or the members are not there yet: look again soon, not only at resync. */
const RETRY_MS = 5000;

type NotReady = { reason: string; problem: string; dismantle?: boolean };

/** Who is in the overlay and how its subnet is sliced, from the member source. */
function membershipFor(ctx: EngineContext, n: ResolvedNetwork): { layout: SliceLayout; m: Membership } | NotReady {
  const got = (ctx.overlayMembers ?? declaredMembers).members(n, ctx.config.nodeName);
  if ('waiting' in got) return { reason: 'WaitingForMembers', problem: got.waiting };
  const declared = got.members.flatMap((m) => (m.subnet ? [parseCidr(m.subnet)] : [])).filter((c): c is Cidr => c !== undefined);
  const laid = layoutOf({ pools: poolsOf(n).map((p) => p.cidr), ...(n.vxlan?.sliceSize !== undefined ? { sliceSize: n.vxlan.sliceSize } : {}), declared });
  if ('problem' in laid) return { reason: 'InvalidSlices', problem: laid.problem };
  const r = membershipOf(laid.layout, got.members, ctx.config.nodeName);
  if ('problem' in r) return { reason: r.reason, problem: r.problem, dismantle: r.reason === 'NotAMember' };
  const self = r.membership.self;
  if (n.vxlan?.underlayAddress !== undefined && n.vxlan.underlayAddress !== self.vtep) {
    return { reason: 'InvalidMembers', problem: `spec.vxlan.underlayAddress ${n.vxlan.underlayAddress} differs from this node's entry in spec.vxlan.peers (${self.vtep})` };
  }
  const mixed = r.membership.peers.find((p) => (p.vtep.includes(':') ? 6 : 4) !== (self.vtep.includes(':') ? 6 : 4));
  if (mixed) return { reason: 'InvalidMembers', problem: `node ${mixed.node} has underlay address ${mixed.vtep}, another family than this node's ${self.vtep}` };
  return { layout: laid.layout, m: r.membership };
}

function explicitMtu(desired: DesiredObject): number | undefined {
  const spec = (desired.object as Network).spec;
  return spec.bridge?.mtu ?? spec.vxlan?.mtu;
}

interface Realization {
  overlay: OverlayRecord;
  underlay: Underlay;
  device: string;
}

function realize(host: NetnsSession, x: { n: ResolvedNetwork; desired: DesiredObject; mm: { layout: SliceLayout; m: Membership } }): Realization | NotReady {
  const { n, desired, mm } = x;
  const underlay = findUnderlay(host, { vtep: mm.m.self.vtep, ...(n.vxlan?.underlayInterface ? { ifName: n.vxlan.underlayInterface } : {}) });
  if ('problem' in underlay) return { reason: 'UnderlayNotFound', problem: underlay.problem };
  const mtu = overlayMtu(explicitMtu(desired), underlay);
  if ('problem' in mtu) return { reason: 'MtuTooLarge', problem: mtu.problem };
  const slices = slicesAt(mm.layout, mm.m.self.slice);
  const overlay: OverlayRecord = {
    slice: mm.m.self.slice,
    vtep: mm.m.self.vtep,
    mtu: mtu.mtu,
    ranges: slices.map(formatCidr),
    gateways: slices.map(sliceGateway),
  };
  return { overlay, underlay, device: vxlanDeviceName(n.key) };
}

function peerFacts(layout: SliceLayout, m: Membership): { node: string; address: string; subnets: string[] }[] {
  return m.peers.map((p) => ({ node: p.node, address: p.vtep, subnets: slicesAt(layout, p.slice).map(formatCidr) }));
}

async function notReady(ctx: EngineContext, desired: DesiredObject, why: NotReady): Promise<Result> {
  if (why.dismantle) await dismantleNetwork(ctx, desired.object.metadata.name);
  await report(ctx, desired, { ready: false, reason: why.reason, message: why.problem });
  return { requeueAfterMs: RETRY_MS };
}

async function reconcileVxlanNetwork(ctx: EngineContext, desired: DesiredObject, n: ResolvedNetwork): Promise<Result | void> {
  const mm = membershipFor(ctx, n);
  if ('problem' in mm) return notReady(ctx, desired, mm);
  const host = ctx.dp.session();
  let plan;
  let r: Realization | NotReady;
  try {
    r = realize(host, { n, desired, mm });
    if ('problem' in r) return notReady(ctx, desired, r);
    const view = overlayView(n, r.overlay)!;
    const bridgePlan = planBridge(view, observeBridge(host, view));
    if ('conflict' in bridgePlan) return notReady(ctx, desired, { reason: 'Conflict', problem: bridgePlan.conflict });
    const link = host.getLink(r.device);
    const vx: VxlanDesired = {
      marker: markerOf(n.key),
      name: r.device,
      bridge: view.bridgeName,
      vni: n.vxlan!.vni,
      port: n.vxlan!.port,
      vtep: r.overlay.vtep,
      underlay: { name: r.underlay.ifName, index: r.underlay.index },
      mtu: r.overlay.mtu,
      peers: mm.m.peers.map((p) => p.vtep),
    };
    const vxPlan = planVxlan(vx, { link, bridgeIndex: host.getLink(view.bridgeName)?.index, fdb: link ? host.listNeighs({ family: 7, index: link.index }) : [] });
    if ('conflict' in vxPlan) return notReady(ctx, desired, { reason: 'Conflict', problem: vxPlan.conflict });
    plan = { steps: [...bridgePlan.steps, ...vxPlan.steps], view };
  } finally {
    host.close();
  }
  const prev = ctx.ledger.get('networks', n.name);
  const rec = { driver: n.driver, device: plan.view.bridgeName, devices: [r.device], subnets: poolsOf(n).map((p) => p.subnet), overlay: r.overlay };
  ctx.ledger.set('networks', n.name, rec);
  await ctx.ledger.commit();
  const changed = applySteps(ctx.dp, plan.steps);
  await ctx.firewall.sync();
  // A new bridge has no ports, a new slice moves every address: attachments re-join.
  if (changed > 0 || JSON.stringify(prev?.overlay) !== JSON.stringify(r.overlay)) for (const a of ctx.store.attachmentsOfNetwork(n.name)) ctx.enqueue(a);
  await report(ctx, desired, {
    ready: true,
    reason: 'Converged',
    message: '',
    ...(r.underlay.up ? {} : { degraded: { reason: 'UnderlayDown', message: `underlay interface ${r.underlay.ifName} is down: other nodes are unreachable until it is up` } }),
    facts: {
      bridge: plan.view.bridgeName,
      subnets: poolsOf(n).map((p) => p.subnet),
      gateways: poolsOf(plan.view).map((p) => p.gateway),
      allocated: ctx.ipam.count(n.name),
      mtu: r.overlay.mtu,
      vxlan: {
        device: r.device,
        vni: n.vxlan!.vni,
        port: n.vxlan!.port,
        vtep: r.overlay.vtep,
        underlayInterface: r.underlay.ifName,
        slices: r.overlay.ranges,
        peers: peerFacts(mm.layout, mm.m),
      },
    },
  });
  return r.underlay.up ? undefined : { requeueAfterMs: RETRY_MS };
}

export const vxlanDriver: NetworkDriver = { reconcileNetwork: reconcileVxlanNetwork };
