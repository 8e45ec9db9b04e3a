// Network reconciler (bridge driver): the bridge device with the gateway addresses, MTU and
// sysctls, then the firewall. Reads the kernel, plans the difference, applies it, reports.
import { overlaps, parseCidr } from '../../api/ip.js';
import type { Network } from '../../api/v1alpha1/types.js';
import type { Addr, KernelOp, Link, NetnsSession } from '../dataplane/types.js';
import { bridgeMacOf, isOurMarker, markerOf } from '../model/names.js';
import { resolveNetwork } from '../../api/v1alpha1/defaults.js';
import { asBridgeNetwork, type BridgeNetwork } from './bridge-network.js';
import { poolsOf } from '../ipam/pool.js';
import type { Result } from '../queue/workqueue.js';
import { makeKey } from '../store/keys.js';
import type { EngineContext } from './context.js';
import { report } from './report.js';
import { applySteps, type Step } from './steps.js';
import { detach } from './attachment.js';
import { ownedByNetwork } from '../ownership/reconciled.js';
import { networkDriverFor } from './drivers/registry.js';
import { bridgeIpv6Sysctls, ipv6RoutingSysctls, raGuardKeys, raGuardOps, readSysctls, sysctlOps } from './ipv6.js';

export interface BridgeObserved {
  link: Link | undefined;
  addrs: Addr[];
  /** Host routes (not on our bridge) that overlap the network's subnets. */
  overlappingRoutes: string[];
  sysctls: Record<string, string | undefined>;
  /** accept_ra knobs to raise before IPv6 forwarding goes on (see ipv6.ts). */
  raGuard?: string[];
}

export { asBridgeNetwork, type BridgeNetwork };

export function bridgeSysctls(n: BridgeNetwork): Record<string, string> {
  const s: Record<string, string> = {};
  if (!n.internal) s['net/ipv4/ip_forward'] = '1';
  // Published ports on 127.0.0.1 need routing of loopback-sourced packets to the bridge.
  s[`net/ipv4/conf/${n.bridgeName}/route_localnet`] = '1';
  // ICC off is enforced on bridged traffic by the IP forward hook, which needs br_netfilter.
  if (!n.enableICC) s['net/bridge/bridge-nf-call-iptables'] = '1';
  return { ...s, ...ipv6RoutingSysctls(n) };
}

export function observeBridge(host: NetnsSession, n: BridgeNetwork): BridgeObserved {
  const link = host.getLink(n.bridgeName);
  const addrs = link ? host.listAddrs({ index: link.index }) : [];
  const overlappingRoutes: string[] = [];
  for (const pool of poolsOf(n)) {
    const subnet = parseCidr(pool.subnet);
    if (!subnet) continue;
    for (const r of host.listRoutes({ family: pool.family, table: 254 })) {
      if (r.dst === 'default' || (link && r.oif === link.index)) continue;
      const dst = parseCidr(r.dst, false);
      if (dst && dst.prefix > 0 && overlaps(dst, subnet)) overlappingRoutes.push(r.dst);
    }
  }
  const sysctls: Record<string, string | undefined> = {};
  for (const key of Object.keys(bridgeSysctls(n))) sysctls[key] = host.readSysctl(key)?.trim();
  if (link) Object.assign(sysctls, readSysctls(host, Object.keys(bridgeIpv6Sysctls(n))));
  const raGuard = ipv6RoutingSysctls(n)['net/ipv6/conf/all/forwarding'] ? raGuardKeys(host) : [];
  return { link, addrs, overlappingRoutes, sysctls, raGuard };
}

export type BridgePlan = { conflict: string } | { steps: Step[]; created: boolean };

/** The steps that make the bridge match n; a conflict when the device is not ours to change. */
export function planBridge(n: BridgeNetwork, obs: BridgeObserved): BridgePlan {
  const { link } = obs;
  if (link && (link.kind !== 'bridge' || link.alias !== markerOf(n.key))) {
    const owner = isOurMarker(link.alias) ? `nodenet object ${link.alias}` : 'someone else';
    return { conflict: `device ${n.bridgeName} already exists (${link.kind ?? 'no kind'}, owned by ${owner}); choose another spec.bridge.name` };
  }
  if (obs.overlappingRoutes.length > 0) {
    return { conflict: `subnet overlaps host route(s) ${obs.overlappingRoutes.join(', ')}; choose another subnet` };
  }
  const ref = { name: n.bridgeName };
  const steps: Step[] = [];
  if (!link) {
    steps.push({
      name: `create bridge ${n.bridgeName}`,
      ns: undefined,
      ops: [{ op: 'link.add', link: { kind: 'bridge', name: n.bridgeName, mtu: n.mtu, mac: bridgeMacOf(n.key), alias: markerOf(n.key) } }],
      undo: [{ op: 'link.del', ref }],
    });
  } else {
    if (link.mtu !== n.mtu) steps.push({ name: `set MTU of ${n.bridgeName}`, ns: undefined, ops: [{ op: 'link.set', ref, mtu: n.mtu }] });
    if (link.mac !== bridgeMacOf(n.key)) steps.push({ name: `set the MAC of ${n.bridgeName}`, ns: undefined, ops: [{ op: 'link.set', ref, mac: bridgeMacOf(n.key) }] });
  }
  const v6Ops = sysctlOps(bridgeIpv6Sysctls(n), obs.sysctls);
  if (v6Ops.length) steps.push({ name: `enable IPv6 on ${n.bridgeName}`, ns: undefined, ops: v6Ops });
  const addrOps: KernelOp[] = [];
  const want = poolsOf(n).map((p) => ({ family: p.family, address: p.gateway, prefixLen: p.cidr.prefix }));
  // Deletes before adds: removing a primary IPv4 address takes the subnet's secondaries with it.
  for (const a of obs.addrs) {
    const isLinkLocal = a.family === 6 && a.address.startsWith('fe80:');
    if (!isLinkLocal && !want.some((w) => w.address === a.address && w.prefixLen === a.prefixLen)) {
      addrOps.push({ op: 'addr.del', ref, family: a.family, address: a.address, prefixLen: a.prefixLen });
    }
  }
  for (const w of want) {
    if (!obs.addrs.some((a) => a.address === w.address && a.prefixLen === w.prefixLen)) {
      addrOps.push({ op: 'addr.add', ref, family: w.family, address: w.address, prefixLen: w.prefixLen, noDad: w.family === 6 });
    }
  }
  if (addrOps.length) steps.push({ name: `set gateway addresses on ${n.bridgeName}`, ns: undefined, ops: addrOps });
  if (!link?.up) steps.push({ name: `bring ${n.bridgeName} up`, ns: undefined, ops: [{ op: 'link.set', ref, up: true }] });
  const sysOps: KernelOp[] = raGuardOps(obs.raGuard ?? []);
  for (const [key, value] of Object.entries(bridgeSysctls(n))) {
    if (obs.sysctls[key] !== value) sysOps.push({ op: 'sysctl.set', key, value });
  }
  if (sysOps.length) steps.push({ name: `set sysctls for ${n.bridgeName}`, ns: undefined, ops: sysOps });
  return { steps, created: !link };
}

export async function reconcileNetwork(ctx: EngineContext, name: string): Promise<Result | void> {
  const key = makeKey('Network', name);
  const desired = ctx.store.get(key);
  if (!desired) return teardownNetwork(ctx, name);
  const conflicts = ctx.store.conflictsOf(key);
  if (conflicts.length > 0) {
    await report(ctx, desired, { ready: false, reason: 'Conflict', message: conflicts.map((c) => `${c.path}: ${c.message}`).join('; ') });
    return;
  }
  const resolved = resolveNetwork(desired.object as Network);
  // A changed driver: what the old one made goes first (attachments are made again afterwards).
  const prevDriver = ctx.ledger.get('networks', name)?.driver;
  if (prevDriver !== undefined && prevDriver !== resolved.driver) await dismantleNetwork(ctx, name);
  const driver = networkDriverFor(resolved.driver);
  if (driver) return driver.reconcileNetwork(ctx, desired, resolved);
  const n = asBridgeNetwork(resolved);
  if (!n) {
    await report(ctx, desired, { ready: false, reason: 'UnsupportedDriver', message: `driver ${resolved.driver} is not supported by this agent yet` });
    return;
  }
  const host = ctx.dp.session();
  let obs: BridgeObserved;
  try {
    obs = observeBridge(host, n);
  } finally {
    host.close();
  }
  const plan = planBridge(n, obs);
  if ('conflict' in plan) {
    await report(ctx, desired, { ready: false, reason: 'Conflict', message: plan.conflict });
    return;
  }
  ctx.ledger.set('networks', name, { driver: n.driver, device: n.bridgeName, subnets: poolsOf(n).map((p) => p.subnet) });
  await ctx.ledger.commit();
  const changed = applySteps(ctx.dp, plan.steps);
  await ctx.firewall.sync();
  // A bridge made again (first time, or after it vanished) has no ports: attachments re-join it.
  if (changed > 0) for (const a of ctx.store.attachmentsOfNetwork(name)) ctx.enqueue(a);
  const owned = ownedByNetwork({ dp: ctx.dp, net: n, observed: plan.created ? undefined : obs.link, sysctls: bridgeSysctls(n) });
  const missingBrNf = !n.enableICC && obs.sysctls['net/bridge/bridge-nf-call-iptables'] === undefined;
  await report(ctx, desired, {
    ready: true,
    reason: 'Converged',
    message: '',
    ...(missingBrNf
      ? { degraded: { reason: 'BrNetfilterMissing', message: 'enableICC=false needs br_netfilter: run modprobe br_netfilter' } }
      : {}),
    facts: {
      bridge: n.bridgeName,
      subnets: poolsOf(n).map((p) => p.subnet),
      gateways: poolsOf(n).map((p) => p.gateway),
      allocated: ctx.ipam.count(name),
      ...(owned ? { owned } : {}),
    },
  });
}

async function teardownNetwork(ctx: EngineContext, name: string): Promise<void> {
  await dismantleNetwork(ctx, name);
  await ctx.status.remove(makeKey('Network', name));
  ctx.onTeardown?.(makeKey('Network', name));
}

/** Removes everything nodenet made for a network on this node (attachments, devices, addresses). */
export async function dismantleNetwork(ctx: EngineContext, name: string): Promise<void> {
  const rec = ctx.ledger.get('networks', name);
  if (!rec) return;
  // Attachments leave first, then the devices; an attachment object that still exists reports
  // NetworkNotFound (or NetworkNotReady) on its own reconcile.
  for (const k of ctx.ledger.keys('attachments')) {
    if (ctx.ledger.get('attachments', k)?.network === name) await detach(ctx, k, { release: true });
  }
  const devices = [rec.device, ...(rec.devices ?? [])].filter((d): d is string => d !== undefined);
  if (devices.length) {
    const host = ctx.dp.session();
    try {
      for (const device of devices) {
        const link = host.getLink(device);
        if (link && link.alias === markerOf(makeKey('Network', name))) {
          applySteps(ctx.dp, [{ name: `delete ${link.kind ?? 'device'} ${device}`, ns: undefined, ops: [{ op: 'link.del', ref: { index: link.index } }] }]);
        }
      }
    } finally {
      host.close();
    }
  }
  ctx.ipam.releaseNetwork(name);
  ctx.ledger.delete('networks', name);
  await ctx.ledger.commit();
  await ctx.firewall.sync();
}
