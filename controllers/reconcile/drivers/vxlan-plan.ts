// Planning the node's VXLAN device and its forwarding entries, from what the kernel has. Pure.
// The overlay is one L2 segment spanning the nodes (like Docker's overlay): each node's bridge
// holds its sandboxes and a VXLAN port; broadcast and unknown-unicast frames (ARP, NDP) are
// replicated to every peer VTEP through an all-zeros FDB entry per peer, and the VXLAN device
// learns which VTEP holds which MAC from the frames it receives. A peer that leaves loses its
// all-zeros entry and every entry learned towards it.
import { createHash } from 'node:crypto';
import { canonicalIp } from '../../../api/ip.js';
import * as c from '../../dataplane/netlink/constants.js';
import type { KernelOp, Link, Neigh } from '../../dataplane/types.js';
import { isOurMarker } from '../../model/names.js';
import type { Step } from '../steps.js';

export const BUM_MAC = '00:00:00:00:00:00';

/** "nnx" + 12 hex of the network key: ours, within 15 bytes, never a bridge or veth name. */
export function vxlanDeviceName(networkKey: string): string {
  return 'nnx' + createHash('sha256').update(networkKey).digest('hex').slice(0, 12);
}

export interface VxlanDesired {
  marker: string;
  name: string;
  bridge: string;
  vni: number;
  port: number;
  vtep: string;
  underlay: { name: string; index: number };
  mtu: number;
  /** VTEP addresses of the other members. */
  peers: string[];
}

export interface VxlanObserved {
  link: Link | undefined;
  bridgeIndex: number | undefined;
  /** AF_BRIDGE entries of the device (its own NTF_SELF ones carry dst). */
  fdb: Neigh[];
}

export type VxlanPlan = { conflict: string } | { steps: Step[]; recreate: boolean };

function sameConfig(d: VxlanDesired, l: Link): boolean {
  const v = l.vxlan;
  return (
    l.kind === 'vxlan' &&
    v !== undefined &&
    v.vni === d.vni &&
    (v.port ?? 4789) === d.port &&
    canonicalIp(v.local ?? '') === canonicalIp(d.vtep) &&
    v.dev === d.underlay.index &&
    v.learning !== false
  );
}

function deviceSteps(d: VxlanDesired, obs: VxlanObserved, recreate: boolean): Step[] {
  const ref = { name: d.name };
  const steps: Step[] = [];
  if (recreate) {
    if (obs.link) steps.push({ name: `remove outdated vxlan ${d.name}`, ns: undefined, ops: [{ op: 'link.del', ref }] });
    steps.push({
      name: `create vxlan ${d.name} (vni ${d.vni}, port ${d.port}) on ${d.underlay.name}`,
      ns: undefined,
      ops: [
        {
          op: 'link.add',
          link: { kind: 'vxlan', name: d.name, vni: d.vni, port: d.port, local: d.vtep, dev: { name: d.underlay.name }, learning: true, mtu: d.mtu, alias: d.marker },
        },
      ],
      undo: [{ op: 'link.del', ref }],
    });
  }
  const l = recreate ? undefined : obs.link;
  const ops: KernelOp[] = [];
  if (l && l.mtu !== d.mtu) ops.push({ op: 'link.set', ref, mtu: d.mtu });
  if (!l || obs.bridgeIndex === undefined || l.master !== obs.bridgeIndex) ops.push({ op: 'link.set', ref, master: { name: d.bridge } });
  if (!l?.up) ops.push({ op: 'link.set', ref, up: true });
  if (ops.length) steps.push({ name: `attach ${d.name} to ${d.bridge}`, ns: undefined, ops });
  return steps;
}

/** Our forwarding entries: one all-zeros entry per peer VTEP; learned entries towards departed VTEPs go. */
function fdbOps(d: VxlanDesired, obs: VxlanObserved, recreate: boolean): KernelOp[] {
  const ref = { name: d.name };
  const own = recreate || !obs.link ? [] : obs.fdb.filter((n) => n.index === obs.link!.index && (n.flags & c.NTF_SELF) !== 0 && n.dst !== undefined && n.mac !== undefined);
  const peers = new Set(d.peers.map((p) => canonicalIp(p) ?? p));
  const ops: KernelOp[] = [];
  for (const n of own) {
    const dst = canonicalIp(n.dst!) ?? n.dst!;
    if (!peers.has(dst)) ops.push({ op: 'fdb.del', ref, mac: n.mac!, dst });
  }
  const have = new Set(own.filter((n) => n.mac === BUM_MAC).map((n) => canonicalIp(n.dst!)));
  for (const p of [...peers].sort()) if (!have.has(p)) ops.push({ op: 'fdb.append', ref, mac: BUM_MAC, dst: p });
  return ops;
}

export function planVxlan(d: VxlanDesired, obs: VxlanObserved): VxlanPlan {
  if (obs.link && obs.link.alias !== d.marker) {
    const owner = isOurMarker(obs.link.alias) ? `nodenet object ${obs.link.alias}` : 'someone else';
    return { conflict: `device ${d.name} already exists (${obs.link.kind ?? 'no kind'}, owned by ${owner})` };
  }
  const recreate = !obs.link || !sameConfig(d, obs.link);
  const steps = deviceSteps(d, obs, recreate);
  const fdb = fdbOps(d, obs, recreate);
  if (fdb.length) steps.push({ name: `update peers of ${d.name}`, ns: undefined, ops: fdb });
  return { steps, recreate };
}
