// Attachment reconciler (libnetwork Endpoint + Join): address from IPAM, a veth pair with the host
// end on the network's bridge and the peer created inside the sandbox under its final name,
// address, default route (if this attachment wins the sandbox's gateway election), then the
// published ports through the firewall.
import { macFromIpv4 } from '../../api/ip.js';
import type { Attachment, Network, Sandbox } from '../../api/v1alpha1/types.js';
import type { NetnsSession } from '../dataplane/types.js';
import { NetnsMissingError } from '../dataplane/types.js';
import { IpamError } from '../ipam/allocator.js';
import { Pool, poolsOf } from '../ipam/pool.js';
import { hostVethName, markerOf } from '../model/names.js';
import { resolveAttachment, resolveNetwork, resolveSandbox, type ResolvedAttachment } from '../../api/v1alpha1/defaults.js';
import { type BridgeNetwork } from './bridge-network.js';
import { bridgeViewOf } from './drivers/bridge-view.js';
import { networkDriverFor } from './drivers/registry.js';
import { removeSandboxLink } from './drivers/sandbox-link.js';
import { readSysctls, sandboxIpv6Sysctls } from './ipv6.js';
import { statusPorts } from './published-ports.js';
import type { Result } from '../queue/workqueue.js';
import type { AttachmentRecord } from '../state/ledger.js';
import type { DesiredObject } from '../store/desired.js';
import { makeKey } from '../store/keys.js';
import { planAttachment, type AttachmentDesired, type AttachmentObserved } from './attachment-plan.js';
import type { EngineContext } from './context.js';
import { report } from './report.js';
import { applySteps } from './steps.js';
import { ownedByAttachment } from '../ownership/reconciled.js';
import { markerRefusal, netnsPathRefusal } from './netns-check.js';
import { mayJoin } from '../../api/v1alpha1/tenancy.js';

export async function reconcileAttachment(ctx: EngineContext, key: string): Promise<Result | void> {
  const desired = ctx.store.get(key);
  if (!desired) {
    const { pending } = await detach(ctx, key, { release: true, awaitDyingNamespace: true });
    await ctx.status.remove(key);
    if (pending) return { requeueAfterMs: DYING_RECHECK_MS };
    ctx.onTeardown?.(key);
    return;
  }
  const a = resolveAttachment(desired.object as Attachment);
  const netObj = ctx.store.get(makeKey('Network', a.network));
  // Before anything else: an attachment whose namespace may not (or no longer) join leaves the network.
  if (netObj) {
    const n = netObj.object as Network;
    const join = mayJoin({ network: n.metadata.name, allowedNamespaces: n.spec.allowedNamespaces, namespace: a.namespace }, ctx.config.tenancy);
    if (!join.allowed) {
      await detach(ctx, key, { release: true });
      return notReady(ctx, desired, join.reason, join.message);
    }
  }
  const conflicts = ctx.store.conflictsOf(key);
  if (conflicts.length > 0) {
    return notReady(ctx, desired, 'Conflict', conflicts.map((c) => `${c.path}: ${c.message}`).join('; '));
  }
  if (!netObj) {
    await detach(ctx, key, { release: true });
    return notReady(ctx, desired, 'NetworkNotFound', `network ${a.network} does not exist; the attachment is made when it appears`);
  }
  const sbObj = ctx.store.get(a.sandboxKey);
  if (!sbObj) {
    await detach(ctx, key, { release: false });
    return notReady(ctx, desired, 'SandboxNotFound', `sandbox ${a.namespace}/${a.sandbox} does not exist; the attachment is made when it appears`);
  }
  if (!ctx.status.isReady(netObj.key)) {
    // Not realized on this node at all (e.g. an overlay this node left): nothing of it may stay.
    if (!ctx.ledger.get('networks', a.network)) await detach(ctx, key, { release: true });
    return notReady(ctx, desired, 'NetworkNotReady', `network ${a.network} is not ready: ${readyMessage(ctx, netObj.key)}`);
  }
  if (!ctx.status.isReady(sbObj.key)) return notReady(ctx, desired, 'SandboxNotReady', `sandbox ${a.sandbox} is not ready: ${readyMessage(ctx, sbObj.key)}`);
  const resolvedNet = resolveNetwork(netObj.object as Network);
  const sb = resolveSandbox(sbObj.object as Sandbox, { netnsDir: ctx.config.netnsDir });
  const driver = networkDriverFor(resolvedNet.driver);
  if (driver?.reconcileAttachment) return driver.reconcileAttachment(ctx, { desired, a, net: resolvedNet, sb, sandboxKey: sbObj.key });
  const net = bridgeViewOf(resolvedNet, ctx.ledger.get('networks', a.network));
  if (!net) return notReady(ctx, desired, 'NetworkNotReady', `network ${a.network} has no bridge on this node yet`);

  let addrs: { ipv4?: string; ipv6?: string };
  try {
    addrs = allocate(ctx, a, net);
  } catch (err) {
    if (err instanceof IpamError) return notReady(ctx, desired, err.reason, err.message);
    throw err;
  }
  const hostIf = hostVethName(key);
  const mac = a.macAddress ?? (addrs.ipv4 ? macFromIpv4(addrs.ipv4) : undefined) ?? hostMacFallback(key);
  const prefix = (f: 4 | 6): number => (f === 4 ? net.ipv4 : net.ipv6)!.cidr.prefix;
  const rec: AttachmentRecord = {
    network: a.network,
    sandbox: a.sandboxKey,
    netnsPath: sb.netnsPath,
    hostInterface: hostIf,
    interface: a.interface,
    ...(addrs.ipv4 ? { ipv4: `${addrs.ipv4}/${prefix(4)}` } : {}),
    ...(addrs.ipv6 ? { ipv6: `${addrs.ipv6}/${prefix(6)}` } : {}),
    mac,
    ...(a.aliases.length ? { aliases: a.aliases } : {}),
  };
  const prev = ctx.ledger.get('attachments', key);
  if (prev && (prev.netnsPath !== rec.netnsPath || prev.interface !== rec.interface || prev.network !== rec.network)) {
    await detach(ctx, key, { release: false });
  }
  // Intent and allocation are durable before the kernel sees them.
  ctx.ledger.set('attachments', key, rec);
  await ctx.ledger.commit();

  const d: AttachmentDesired = {
    key,
    marker: markerOf(key),
    hostIf,
    bridge: net.bridgeName,
    netnsPath: sb.netnsPath,
    ifName: a.interface,
    mtu: net.mtu,
    mac,
    ipv4: addrs.ipv4 ? { address: addrs.ipv4, prefixLen: prefix(4) } : undefined,
    ipv6: addrs.ipv6 ? { address: addrs.ipv6, prefixLen: prefix(6) } : undefined,
    gateways: electedGateways(ctx, a, net),
    ifSysctls: sandboxIpv6Sysctls(a.interface, addrs.ipv6 !== undefined),
  };
  // The sandbox was Ready when last reconciled; its namespace file may have changed since.
  const refused = netnsPathRefusal(ctx, sb);
  if (refused) return refuseNamespace(ctx, { desired, sandboxKey: sbObj.key, message: refused.message });
  let obs: AttachmentObserved & { loAlias: string | undefined };
  try {
    obs = observeAttachment(ctx, d);
  } catch (err) {
    if (err instanceof NetnsMissingError) {
      ctx.enqueue(sbObj.key);
      return notReady(ctx, desired, 'SandboxNotReady', `network namespace ${sb.netnsPath} is missing; the sandbox is being recreated`);
    }
    throw err;
  }
  const foreign = markerRefusal(sb, obs.loAlias);
  if (foreign) return refuseNamespace(ctx, { desired, sandboxKey: sbObj.key, message: foreign.message });
  const plan = planAttachment(d, obs);
  if ('conflict' in plan) return notReady(ctx, desired, 'Conflict', plan.conflict);
  applySteps(ctx.dp, plan.steps);
  await ctx.firewall.sync(key);
  const owned = ownedByAttachment({ dp: ctx.dp, d, observed: plan.recreate ? undefined : obs, net, object: desired.object as Attachment });
  enqueueReaders(ctx, { prev, rec, networkKey: net.key, sandboxKey: a.sandboxKey });
  await report(ctx, desired, {
    ready: true,
    reason: 'Converged',
    message: '',
    facts: {
      ...linkFacts({ rec, mac, iface: a.interface, gateway: poolsOf(net)[0]?.gateway, defaultRoute: d.gateways.length > 0 }),
      hostInterface: hostIf,
      ports: net.internal ? [] : statusPorts(desired.object as Attachment, net, addrs.ipv6 !== undefined),
      ...(owned ? { owned } : {}),
    },
    ...(net.internal && a.ports.length
      ? { degraded: { reason: 'PortsNotPublished', message: `network ${a.network} is internal: its ports are not published` } }
      : {}),
  });
}

export function allocate(ctx: EngineContext, a: ResolvedAttachment, net: Pick<BridgeNetwork, 'name' | 'ipv4' | 'ipv6'>): { ipv4?: string; ipv6?: string } {
  const out: { ipv4?: string; ipv6?: string } = {};
  for (const spec of poolsOf(net)) {
    const requested = spec.family === 4 ? a.ipv4Address : a.ipv6Address;
    const address = ctx.ipam.ensure({
      network: net.name,
      pool: new Pool(spec),
      owner: a.key,
      ...(requested ? { requested } : {}),
      ...(spec.family === 4 ? { avoid: ctx.store.staticRequests(net.name, a.key) } : {}),
    });
    if (spec.family === 4) out.ipv4 = address;
    else out.ipv6 = address;
  }
  return out;
}

/** Highest gatewayPriority wins (Docker's rule), ties by key; internal networks give no default route. */
export function electedGateways(ctx: EngineContext, a: ResolvedAttachment, net: Pick<BridgeNetwork, 'internal' | 'ipv4' | 'ipv6'>): AttachmentDesired['gateways'] {
  if (net.internal) return [];
  let best: { key: string; prio: number } | undefined;
  for (const k of ctx.store.attachmentsOfSandbox(a.sandboxKey)) {
    if (ctx.store.conflictsOf(k).length) continue;
    const other = resolveAttachment(ctx.store.get(k)!.object as Attachment);
    const n = ctx.store.get(makeKey('Network', other.network));
    if (!n || resolveNetwork(n.object as Network).internal) continue;
    if (!best || other.gatewayPriority > best.prio || (other.gatewayPriority === best.prio && k < best.key)) best = { key: k, prio: other.gatewayPriority };
  }
  if (best?.key !== a.key) return [];
  return poolsOf(net).map((p) => ({ family: p.family, via: p.gateway }));
}

function observeAttachment(ctx: EngineContext, d: AttachmentDesired): AttachmentObserved & { loAlias: string | undefined } {
  let host: NetnsSession | undefined;
  let inner: NetnsSession | undefined;
  try {
    host = ctx.dp.session();
    inner = ctx.dp.session(d.netnsPath);
    const hostLink = host.getLink(d.hostIf);
    const hairpin = hostLink ? host.getBridgePort(hostLink.index)?.hairpin : undefined;
    // A sandbox holds a handful of links: one dump answers for both the peer and lo.
    const links = inner.listLinks();
    const peer = links.find((l) => l.name === d.ifName);
    const lo = links.find((l) => l.name === 'lo');
    return {
      host: hostLink,
      hairpin,
      bridge: host.getLink(d.bridge),
      peer,
      peerAddrs: peer ? inner.listAddrs({ index: peer.index }).filter((x) => x.scope === 0) : [],
      // Both families in one dump (IPv4 first, as two dumps would give them).
      defaults: inner.listRoutes({ table: 254 }).filter((r) => r.dst === 'default'),
      loUp: lo?.up ?? false,
      loAlias: lo?.alias,
      peerSysctls: peer ? readSysctls(inner, Object.keys(d.ifSysctls ?? {})) : {},
    };
  } finally {
    host?.close();
    inner?.close();
  }
}

/** How often a deleted attachment whose namespace is dying checks that its veth is gone. */
export const DYING_RECHECK_MS = 1000;
/** After this long, a veth whose namespace should have died (a process still holds it) is deleted by hand. */
export const DYING_GRACE_MS = 5000;
const dyingSince = new WeakMap<EngineContext, Map<string, number>>();

/** Deleted attachments whose record and addresses wait for their dying namespace to take the veth. */
export function pendingTeardowns(ctx: EngineContext): string[] {
  return [...(dyingSince.get(ctx)?.keys() ?? [])].filter((k) => !ctx.store.get(k) && ctx.ledger.get('attachments', k) !== undefined);
}

/**
 * The attachment's namespace is going away: its sandbox is no longer declared and we created the
 * namespace (the sandbox's teardown deletes it), or it is already unmounted. The kernel then
 * destroys the veth with the namespace, in one batch with every other dying namespace, where
 * deleting it here would cost a kernel grace period (~20 ms) per veth.
 */
function namespaceDying(ctx: EngineContext, rec: AttachmentRecord): boolean {
  const sb = ctx.ledger.get('sandboxes', rec.sandbox);
  if (sb) return sb.created && sb.netnsPath === rec.netnsPath && !ctx.store.get(rec.sandbox);
  return !ctx.dp.isNetns(rec.netnsPath);
}

/**
 * Removes the attachment's kernel objects; release=true also frees its addresses and forgets it.
 * With awaitDyingNamespace, a veth whose namespace is dying is left to the kernel: the result is
 * pending (addresses and record kept) until it is gone, or deleted by hand after DYING_GRACE_MS.
 */
export async function detach(ctx: EngineContext, key: string, opts: { release: boolean; awaitDyingNamespace?: boolean }): Promise<{ pending: boolean }> {
  const rec = ctx.ledger.get('attachments', key);
  let pending = false;
  const since = dyingSince.get(ctx) ?? new Map<string, number>();
  dyingSince.set(ctx, since);
  const first = since.get(key);
  const dying = opts.awaitDyingNamespace === true && rec?.hostInterface !== undefined && namespaceDying(ctx, rec);
  if (dying && (first === undefined || Date.now() - first < DYING_RECHECK_MS)) {
    // No kernel read until the recheck is due: while namespaces die the kernel holds the locks
    // a link lookup needs, and the answer is known anyway (the veth is still there).
    since.set(key, first ?? Date.now());
    pending = true;
  } else if (rec?.hostInterface) {
    const host = ctx.dp.session();
    try {
      const link = host.getLink(rec.hostInterface);
      if (link && link.alias === markerOf(key)) {
        if (dying && Date.now() - first! < DYING_GRACE_MS) pending = true;
        else applySteps(ctx.dp, [{ name: `delete veth ${rec.hostInterface}`, ns: undefined, ops: [{ op: 'link.del', ref: { index: link.index } }] }]);
      }
    } finally {
      host.close();
    }
  }
  if (!pending) dyingSince.get(ctx)?.delete(key);
  if (rec && !rec.hostInterface) removeSandboxLink(ctx, key, rec);
  if (!rec) return { pending };
  if (opts.release && !pending) {
    ctx.ipam.release(rec.network, key);
    ctx.ledger.delete('attachments', key);
    ctx.enqueue(`Network/${rec.network}`);
  }
  await ctx.ledger.commit();
  await ctx.firewall.sync(key);
  ctx.enqueue(rec.sandbox);
  for (const sibling of ctx.store.attachmentsOfSandbox(rec.sandbox)) if (sibling !== key) ctx.enqueue(sibling);
  if (rec.aliases?.length) enqueuePeersOnNetwork(ctx, rec.network, rec.sandbox);
  return { pending };
}

/**
 * After an attachment converged: its network's status counts allocations, and hosts files (its
 * sandbox's, and with aliases its peers') list its address — enqueue those whose content changed.
 */
export function enqueueReaders(ctx: EngineContext, o: { prev: AttachmentRecord | undefined; rec: AttachmentRecord; networkKey: string; sandboxKey: string }): void {
  const { prev, rec } = o;
  if (!prev) ctx.enqueue(o.networkKey);
  if (prev && prev.ipv4 === rec.ipv4 && JSON.stringify(prev.aliases) === JSON.stringify(rec.aliases)) return;
  ctx.enqueue(o.sandboxKey);
  if (rec.aliases?.length || prev?.aliases?.length) enqueuePeersOnNetwork(ctx, rec.network, o.sandboxKey);
}

/** What every driver's converged attachment reports about its interface in the sandbox. */
export function linkFacts(o: { rec: AttachmentRecord; mac: string | undefined; iface: string; gateway: string | undefined; defaultRoute: boolean }): Record<string, unknown> {
  return {
    ...(o.rec.ipv4 ? { ipv4Address: o.rec.ipv4 } : {}),
    ...(o.rec.ipv6 ? { ipv6Address: o.rec.ipv6 } : {}),
    macAddress: o.mac,
    interface: o.iface,
    ...(o.gateway ? { gateway: o.gateway } : {}),
    defaultRoute: o.defaultRoute,
  };
}

export function enqueuePeersOnNetwork(ctx: EngineContext, network: string, exceptSandbox: string): void {
  const seen = new Set<string>();
  for (const k of ctx.store.attachmentsOfNetwork(network)) {
    const sb = ctx.ledger.get('attachments', k)?.sandbox;
    if (sb && sb !== exceptSandbox && !seen.has(sb)) {
      seen.add(sb);
      ctx.enqueue(sb);
    }
  }
}

/** The sandbox's namespace failed the re-check: take our host end away, touch nothing inside, say why. */
async function refuseNamespace(ctx: EngineContext, opts: { desired: DesiredObject; sandboxKey: string; message: string }): Promise<void> {
  await detach(ctx, opts.desired.key, { release: false });
  ctx.enqueue(opts.sandboxKey);
  await notReady(ctx, opts.desired, 'SandboxNotReady', `the sandbox's network namespace is refused: ${opts.message}`);
}

export async function notReady(ctx: EngineContext, desired: DesiredObject, reason: string, message: string): Promise<void> {
  // An attachment that stops being converged (a conflict it now loses...) unpublishes its ports now.
  if (ctx.firewall.publishes(desired.key)) await ctx.firewall.sync(desired.key);
  await report(ctx, desired, { ready: false, reason, message });
}

export function readyMessage(ctx: EngineContext, key: string): string {
  const c = ctx.status.conditions(key)?.find((x) => x.type === 'Ready');
  return c ? `${c.reason}${c.message ? ` (${c.message})` : ''}` : 'not reconciled yet';
}

/** An attachment without IPv4 still needs a stable MAC: 02:42 + 4 bytes of its key hash. */
export function hostMacFallback(key: string): string {
  const h = hostVethName(key).slice(3, 11);
  return `02:42:${h.match(/../g)!.join(':')}`;
}
