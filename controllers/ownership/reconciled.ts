// Glue between the reconcilers and the owned-objects lists: each reconciler hands over what it
// planned and observed; a device it just created is read back once for its ifindex.
import type { Attachment } from '../../api/v1alpha1/types.js';
import type { Dataplane, Link } from '../dataplane/types.js';
import { log, errorText } from '../lib/log.js';
import type { AttachmentDesired } from '../reconcile/attachment-plan.js';
import type { BridgeNetwork } from '../reconcile/bridge-network.js';
import { attachmentFwPorts, fwNetworkOf } from '../reconcile/firewall-model.js';
import { poolsOf } from '../ipam/pool.js';
import { attachmentOwned, networkOwned, sandboxOwned } from './objects.js';
import type { OwnedObjects } from './types.js';

function readLinks(dp: Dataplane, ns: string | undefined, names: string[]): (Link | undefined)[] {
  const s = dp.session(ns);
  try {
    return names.map((n) => s.getLink(n));
  } finally {
    s.close();
  }
}

/** Never lets a listing problem fail a reconcile: the kernel work is done; the list is a report. */
function guarded(what: string, fn: () => OwnedObjects): OwnedObjects | undefined {
  try {
    return fn();
  } catch (err) {
    log.warn('could not list owned objects', { object: what, err: errorText(err) });
    return undefined;
  }
}

export function ownedByAttachment(opts: {
  dp: Dataplane;
  d: AttachmentDesired;
  /** Links as observed before the steps; undefined when the steps (re)created the pair. */
  observed: { host: Link | undefined; peer: Link | undefined } | undefined;
  net: BridgeNetwork;
  object: Attachment;
}): OwnedObjects | undefined {
  const { dp, d, net } = opts;
  return guarded(d.key, () => {
    const [host] = opts.observed ? [opts.observed.host] : readLinks(dp, undefined, [d.hostIf]);
    const [peer] = opts.observed ? [opts.observed.peer] : readLinks(dp, d.netnsPath, [d.ifName]);
    const fwNet = fwNetworkOf(net);
    const ports = !net.internal ? attachmentFwPorts(opts.object, { ...fwNet, hostBinding: net.hostBindingIPv4 }, { 4: d.ipv4?.address, 6: d.ipv6?.address }) : [];
    return attachmentOwned({ ...d, host, peer, net: fwNet, ports });
  });
}

export function ownedByNetwork(opts: { dp: Dataplane; net: BridgeNetwork; observed: Link | undefined; sysctls: Record<string, string> }): OwnedObjects | undefined {
  const { dp, net } = opts;
  return guarded(net.key, () => {
    const bridge = opts.observed ?? readLinks(dp, undefined, [net.bridgeName])[0];
    const gateways = poolsOf(net).map((p) => ({ address: p.gateway, prefixLen: p.cidr.prefix }));
    return networkOwned({ bridge, gateways, sysctls: opts.sysctls, net: fwNetworkOf(net) });
  });
}

/** Loopback is ifindex 1 in every network namespace (LOOPBACK_IFINDEX): nothing to read. */
export function ownedBySandbox(opts: { netnsPath: string; created: boolean; files: string[] }): OwnedObjects {
  return sandboxOwned({ netnsPath: opts.netnsPath, created: opts.created, loIndex: 1, files: opts.files });
}
