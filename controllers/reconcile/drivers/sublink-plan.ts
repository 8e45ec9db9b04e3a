// Planning a macvlan/ipvlan attachment: the sub-interface is created by the host (where its
// parent lives) directly inside the sandbox under its final name, then configured there like a
// veth peer. Pure: unit-tested on its own.
import type { Link } from '../../dataplane/types.js';
import { isOurMarker } from '../../model/names.js';
import { sandboxSideSteps, type SandboxSideDesired, type SandboxSideObserved } from '../attachment-plan.js';
import type { Step } from '../steps.js';

export interface SublinkDesired extends SandboxSideDesired {
  kind: 'macvlan' | 'ipvlan';
  mode: string;
  marker: string;
  parent: { name: string; index: number };
}

export interface SublinkObserved extends SandboxSideObserved {
  /** The interface in the sandbox (any kind), or undefined. */
  peer: Link | undefined;
}

export type SublinkPlan = { conflict: string } | { steps: Step[]; recreate: boolean };

/** The sandbox has our sub-interface of the right kind and mode on the right parent. */
function intact(d: SublinkDesired, peer: Link | undefined): boolean {
  return peer?.kind === d.kind && peer.alias === d.marker && peer.mode === d.mode && peer.link === d.parent.index && peer.linkNetnsId !== undefined;
}

export function planSublink(d: SublinkDesired, obs: SublinkObserved): SublinkPlan {
  const peer = obs.peer;
  if (peer && !isOurMarker(peer.alias)) {
    return { conflict: `interface ${d.ifName} already exists in ${d.netnsPath} and is not nodenet's; choose another spec.interface` };
  }
  const recreate = !intact(d, peer);
  const steps: Step[] = [];
  if (recreate) {
    if (peer) steps.push({ name: `remove stale ${d.ifName} in ${d.netnsPath}`, ns: d.netnsPath, ops: [{ op: 'link.del', ref: { name: d.ifName } }] });
    steps.push({
      name: `create ${d.kind} ${d.ifName} (${d.mode}) on ${d.parent.name} in ${d.netnsPath}`,
      ns: undefined,
      ops: [
        {
          op: 'link.add',
          link:
            d.kind === 'macvlan'
              ? { kind: 'macvlan', name: d.ifName, parent: { name: d.parent.name }, mode: d.mode, netns: d.netnsPath, mtu: d.mtu, mac: d.mac, alias: d.marker }
              : { kind: 'ipvlan', name: d.ifName, parent: { name: d.parent.name }, mode: d.mode, netns: d.netnsPath, mtu: d.mtu, alias: d.marker },
        },
      ],
    });
    // No undo: it would run in the host, where the sub-interface is not. If configuring it fails,
    // it stays in the sandbox with our marker; the ledger already names it, so the next reconcile
    // adopts it and a detach deletes it.
  }
  const side = recreate ? { ...obs, peer: undefined, peerAddrs: [], peerSysctls: {} } : obs;
  steps.push(...sandboxSideSteps(d, side));
  return { steps: steps.filter((s) => s.ops.length > 0), recreate };
}
