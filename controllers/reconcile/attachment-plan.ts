// Planning for one attachment: from what the kernel has (host veth end, peer in the sandbox,
// its addresses and default route) to the steps that make it match. Pure: unit-tested on its own.
import type { Addr, KernelOp, Link, Route } from '../dataplane/types.js';
import { isOurMarker } from '../model/names.js';
import type { Step } from './steps.js';
import { sysctlOps } from './ipv6.js';

export interface AttachmentDesired {
  key: string;
  marker: string;
  hostIf: string;
  bridge: string;
  netnsPath: string;
  ifName: string;
  mtu: number;
  mac: string;
  ipv4: { address: string; prefixLen: number } | undefined;
  ipv6: { address: string; prefixLen: number } | undefined;
  /** Default routes this attachment provides (it won the sandbox's gateway election); no via: a device route (ipvlan l3). */
  gateways: { family: 4 | 6; via?: string }[];
  /** Knobs of the sandbox interface (IPv6: no RA, no DAD), set before its addresses. */
  ifSysctls?: Record<string, string>;
}

export interface AttachmentObserved {
  host: Link | undefined;
  hairpin: boolean | undefined;
  bridge: Link | undefined;
  peer: Link | undefined;
  peerAddrs: Addr[];
  /** Default routes in the sandbox's main table. */
  defaults: Route[];
  loUp: boolean;
  /** Current values of the ifSysctls knobs on the peer. */
  peerSysctls?: Record<string, string | undefined>;
}

export type AttachmentPlan = { conflict: string } | { steps: Step[]; recreate: boolean };

/** Both ends exist, are our veths, and point at each other. */
export function isIntactPair(obs: AttachmentObserved, marker: string): boolean {
  const { host, peer } = obs;
  return (
    host?.kind === 'veth' &&
    host.alias === marker &&
    peer?.kind === 'veth' &&
    peer.link === host.index &&
    host.link === peer.index &&
    peer.linkNetnsId !== undefined
  );
}

export function planAttachment(d: AttachmentDesired, obs: AttachmentObserved): AttachmentPlan {
  if (obs.host && obs.host.alias !== d.marker) {
    return { conflict: `device ${d.hostIf} exists and is not this attachment's (${obs.host.alias ?? 'no marker'})` };
  }
  if (obs.peer && !(obs.peer.kind === 'veth' && isOurMarker(obs.peer.alias))) {
    return { conflict: `interface ${d.ifName} already exists in ${d.netnsPath} and is not nodenet's; choose another spec.interface` };
  }
  if (!obs.bridge) return { conflict: `bridge ${d.bridge} does not exist yet` };
  const steps: Step[] = [];
  const recreate = !isIntactPair(obs, d.marker);
  if (recreate) steps.push(...createSteps(d, obs));
  steps.push(...hostSideSteps(d, recreate ? undefined : obs));
  steps.push(...sandboxSideSteps(d, recreate ? { ...obs, peer: undefined, peerAddrs: [], defaults: obs.defaults, peerSysctls: {} } : obs));
  return { steps: steps.filter((s) => s.ops.length > 0), recreate };
}

function createSteps(d: AttachmentDesired, obs: AttachmentObserved): Step[] {
  const steps: Step[] = [];
  const stale: KernelOp[] = [];
  if (obs.host) stale.push({ op: 'link.del', ref: { name: d.hostIf } });
  const staleInner: KernelOp[] = obs.peer ? [{ op: 'link.del', ref: { name: d.ifName } }] : [];
  if (stale.length) steps.push({ name: `remove broken veth ${d.hostIf}`, ns: undefined, ops: stale });
  if (staleInner.length) steps.push({ name: `remove stale ${d.ifName} in ${d.netnsPath}`, ns: d.netnsPath, ops: staleInner });
  steps.push({
    name: `create veth ${d.hostIf} with ${d.ifName} in ${d.netnsPath}`,
    ns: undefined,
    ops: [
      {
        op: 'link.add',
        link: {
          kind: 'veth',
          name: d.hostIf,
          mtu: d.mtu,
          alias: d.marker,
          peer: { name: d.ifName, netns: d.netnsPath, mac: d.mac, mtu: d.mtu, alias: d.marker },
        },
      },
    ],
    undo: [{ op: 'link.del', ref: { name: d.hostIf } }],
  });
  return steps;
}

function hostSideSteps(d: AttachmentDesired, obs: AttachmentObserved | undefined): Step[] {
  const ref = { name: d.hostIf };
  const ops: KernelOp[] = [];
  const host = obs?.host;
  if (host?.mtu !== d.mtu && host) ops.push({ op: 'link.set', ref, mtu: d.mtu });
  if (!host || host.master !== obs?.bridge?.index) ops.push({ op: 'link.set', ref, master: { name: d.bridge } });
  // Hairpin lets DNATed traffic from a sandbox go back out the port it came in (own published port).
  if (!host || obs?.hairpin !== true) ops.push({ op: 'brport.set', ref, hairpin: true });
  if (!host?.up) ops.push({ op: 'link.set', ref, up: true });
  return [{ name: `attach ${d.hostIf} to ${d.bridge}`, ns: undefined, ops }];
}

/** What the sandbox side needs, whatever made the interface (a veth peer, a macvlan, an ipvlan). */
export type SandboxSideDesired = Pick<AttachmentDesired, 'netnsPath' | 'ifName' | 'mtu' | 'mac' | 'ipv4' | 'ipv6' | 'gateways' | 'ifSysctls'>;
export type SandboxSideObserved = Pick<AttachmentObserved, 'peer' | 'peerAddrs' | 'defaults' | 'loUp' | 'peerSysctls'>;

export function sandboxSideSteps(d: SandboxSideDesired, obs: SandboxSideObserved): Step[] {
  const ref = { name: d.ifName };
  const ops: KernelOp[] = [];
  const peer = obs.peer;
  if (peer && peer.mac !== d.mac) ops.push({ op: 'link.set', ref, mac: d.mac });
  if (peer && peer.mtu !== d.mtu) ops.push({ op: 'link.set', ref, mtu: d.mtu });
  ops.push(...sysctlOps(d.ifSysctls ?? {}, obs.peerSysctls));
  const want = [d.ipv4 && { family: 4 as const, ...d.ipv4 }, d.ipv6 && { family: 6 as const, ...d.ipv6 }].filter((x) => !!x);
  // Stale addresses go first: deleting a primary IPv4 address also deletes the secondaries of
  // its subnet, so adding the new one first would lose it.
  for (const a of obs.peerAddrs) {
    if (a.family === 6 && a.address.startsWith('fe80:')) continue;
    if (!want.some((w) => w.address === a.address && w.prefixLen === a.prefixLen)) {
      ops.push({ op: 'addr.del', ref, family: a.family, address: a.address, prefixLen: a.prefixLen });
    }
  }
  for (const w of want) {
    if (!obs.peerAddrs.some((a) => a.address === w.address && a.prefixLen === w.prefixLen)) {
      ops.push({ op: 'addr.add', ref, family: w.family, address: w.address, prefixLen: w.prefixLen, noDad: w.family === 6 });
    }
  }
  if (!peer?.up) ops.push({ op: 'link.set', ref, up: true });
  if (!obs.loUp) ops.push({ op: 'link.set', ref: { name: 'lo' }, up: true });
  ops.push(...routeOps(d, obs));
  return [{ name: `configure ${d.ifName} in ${d.netnsPath}`, ns: d.netnsPath, ops }];
}

/** The elected attachment owns the default route(s); others remove any default via their interface. */
function routeOps(d: SandboxSideDesired, obs: SandboxSideObserved): KernelOp[] {
  const ops: KernelOp[] = [];
  const peerIndex = obs.peer?.index;
  for (const family of [4, 6] as const) {
    const gw = d.gateways.find((g) => g.family === family);
    const current = obs.defaults.filter((r) => r.family === family);
    if (gw) {
      const ok = current.length === 1 && current[0]!.gateway === gw.via && peerIndex !== undefined && current[0]!.oif === peerIndex;
      if (!ok) ops.push({ op: 'route.replace', family, dst: 'default', ...(gw.via !== undefined ? { gateway: gw.via } : {}), dev: { name: d.ifName } });
    } else if (peerIndex !== undefined) {
      for (const r of current) {
        if (r.oif === peerIndex) ops.push({ op: 'route.del', family, dst: 'default', ...(r.gateway ? { gateway: r.gateway } : {}), dev: { name: d.ifName } });
      }
    }
  }
  return ops;
}
