// The macvlan and ipvlan drivers: sandboxes sit directly on a host interface (the parent)
// through a sub-interface with its own address, reached by the parent's network without NAT or
// a bridge. The network itself makes nothing: it checks the parent (missing: not Ready; down:
// Degraded) and looks again every few seconds, so it repairs itself when the parent appears.
import { macFromIpv4 } from '../../../api/ip.js';
import type { ResolvedNetwork } from '../../../api/v1alpha1/defaults.js';
import { IpamError } from '../../ipam/allocator.js';
import { poolsOf } from '../../ipam/pool.js';
import { markerOf } from '../../model/names.js';
import type { Result } from '../../queue/workqueue.js';
import type { AttachmentRecord } from '../../state/ledger.js';
import type { DesiredObject } from '../../store/desired.js';
import { allocate, detach, electedGateways, enqueueReaders, hostMacFallback, linkFacts, notReady } from '../attachment.js';
import type { EngineContext } from '../context.js';
import { readSysctls, sandboxIpv6Sysctls } from '../ipv6.js';
import { report } from '../report.js';
import { applySteps, StepError } from '../steps.js';
import { kernelHasIpvlan } from './kernel-support.js';
import { planSublink, type SublinkDesired, type SublinkObserved } from './sublink-plan.js';
import type { AttachmentJob, NetworkDriver } from './types.js';
import { NetnsMissingError, type Link } from '../../dataplane/types.js';

type Kind = 'macvlan' | 'ipvlan';

/** While the parent is missing or down, look again this often (besides the periodic resync). */
const PARENT_RETRY_MS = 5000;

function optionsOf(n: ResolvedNetwork, kind: Kind): { parent: string; mode: string } {
  const o = kind === 'macvlan' ? n.macvlan : n.ipvlan;
  if (!o) throw new Error(`network ${n.name}: spec.${kind} missing (validate before reconciling)`);
  return o;
}

function readParent(ctx: EngineContext, name: string): Link | undefined {
  const host = ctx.dp.session();
  try {
    return host.getLink(name);
  } finally {
    host.close();
  }
}

async function reconcileSublinkNetwork(ctx: EngineContext, desired: DesiredObject, n: ResolvedNetwork): Promise<Result | void> {
  const kind = n.driver as Kind;
  const { parent: parentName, mode } = optionsOf(n, kind);
  const parent = readParent(ctx, parentName);
  if (!parent) {
    await report(ctx, desired, { ready: false, reason: 'ParentNotFound', message: `parent interface ${parentName} does not exist on this node; the network is made when it appears` });
    return { requeueAfterMs: PARENT_RETRY_MS };
  }
  if (parent.master !== undefined) {
    await report(ctx, desired, { ready: false, reason: 'ParentEnslaved', message: `parent interface ${parentName} is a bridge/bond port; ${kind} needs a parent of its own` });
    return { requeueAfterMs: PARENT_RETRY_MS };
  }
  if (n.mtu !== undefined && n.mtu > parent.mtu) {
    await report(ctx, desired, { ready: false, reason: 'MtuTooLarge', message: `mtu ${n.mtu} is above the mtu ${parent.mtu} of parent ${parentName}` });
    return { requeueAfterMs: PARENT_RETRY_MS };
  }
  if (kind === 'ipvlan' && !kernelHasIpvlan(ctx.dp, parentName)) {
    await report(ctx, desired, { ready: false, reason: 'KernelDriverMissing', message: 'this kernel has no ipvlan driver (CONFIG_IPVLAN); load the module or use another driver' });
    return;
  }
  const prev = ctx.ledger.get('networks', n.name);
  const rec = { driver: kind, subnets: poolsOf(n).map((p) => p.subnet) };
  ctx.ledger.set('networks', n.name, rec);
  await ctx.ledger.commit();
  if (!prev) for (const a of ctx.store.attachmentsOfNetwork(n.name)) ctx.enqueue(a);
  const down = !parent.up || !parent.lowerUp;
  await report(ctx, desired, {
    ready: true,
    reason: 'Converged',
    message: '',
    ...(down ? { degraded: { reason: 'ParentDown', message: `parent interface ${parentName} is ${parent.up ? 'without carrier' : 'down'}: sandboxes on this network are cut off until it is up` } } : {}),
    facts: {
      parent: parentName,
      mode,
      mtu: n.mtu ?? parent.mtu,
      subnets: poolsOf(n).map((p) => p.subnet),
      gateways: poolsOf(n).map((p) => p.gateway),
      allocated: ctx.ipam.count(n.name),
    },
  });
  return down ? { requeueAfterMs: PARENT_RETRY_MS } : undefined;
}

function observe(ctx: EngineContext, d: SublinkDesired): SublinkObserved {
  const inner = ctx.dp.session(d.netnsPath);
  try {
    const peer = inner.getLink(d.ifName);
    return {
      peer,
      peerAddrs: peer ? inner.listAddrs({ index: peer.index }).filter((x) => x.scope === 0) : [],
      defaults: ([4, 6] as const).flatMap((family) => inner.listRoutes({ family, table: 254 }).filter((r) => r.dst === 'default')),
      loUp: inner.getLink('lo')?.up ?? false,
      peerSysctls: peer ? readSysctls(inner, Object.keys(d.ifSysctls ?? {})) : {},
    };
  } finally {
    inner.close();
  }
}

/** ipvlan in l3/l3s mode routes through the parent without ARP: the default route is a device route. */
function gatewaysFor(kind: Kind, mode: string, elected: SublinkDesired['gateways']): SublinkDesired['gateways'] {
  return kind === 'ipvlan' && mode !== 'l2' ? elected.map((g) => ({ family: g.family })) : elected;
}

async function reconcileSublinkAttachment(ctx: EngineContext, job: AttachmentJob): Promise<Result | void> {
  const { desired, a, net, sb } = job;
  const kind = net.driver as Kind;
  const { parent: parentName, mode } = optionsOf(net, kind);
  const parent = readParent(ctx, parentName);
  if (!parent) return notReady(ctx, desired, 'NetworkNotReady', `parent interface ${parentName} of network ${a.network} is missing`);
  if (kind === 'ipvlan' && a.macAddress) return notReady(ctx, desired, 'MacNotSupported', 'ipvlan interfaces share the parent\'s MAC address: remove spec.macAddress');
  let addrs: { ipv4?: string; ipv6?: string };
  try {
    addrs = allocate(ctx, a, net);
  } catch (err) {
    if (err instanceof IpamError) return notReady(ctx, desired, err.reason, err.message);
    throw err;
  }
  const mac = kind === 'ipvlan' ? parent.mac! : (a.macAddress ?? (addrs.ipv4 ? macFromIpv4(addrs.ipv4) : undefined) ?? hostMacFallback(a.key));
  const prefix = (f: 4 | 6): number => (f === 4 ? net.ipv4 : net.ipv6)!.cidr.prefix;
  const rec: AttachmentRecord = {
    network: a.network,
    sandbox: a.sandboxKey,
    netnsPath: sb.netnsPath,
    interface: a.interface,
    driver: kind,
    ...(addrs.ipv4 ? { ipv4: `${addrs.ipv4}/${prefix(4)}` } : {}),
    ...(addrs.ipv6 ? { ipv6: `${addrs.ipv6}/${prefix(6)}` } : {}),
    mac,
    ...(a.aliases.length ? { aliases: a.aliases } : {}),
  };
  const prev = ctx.ledger.get('attachments', a.key);
  if (prev && (prev.netnsPath !== rec.netnsPath || prev.interface !== rec.interface || prev.network !== rec.network || prev.driver !== rec.driver)) {
    await detach(ctx, a.key, { release: false });
  }
  ctx.ledger.set('attachments', a.key, rec);
  await ctx.ledger.commit();
  const d: SublinkDesired = {
    kind,
    mode,
    marker: markerOf(a.key),
    parent: { name: parentName, index: parent.index },
    netnsPath: sb.netnsPath,
    ifName: a.interface,
    mtu: net.mtu ?? parent.mtu,
    mac,
    ipv4: addrs.ipv4 ? { address: addrs.ipv4, prefixLen: prefix(4) } : undefined,
    ipv6: addrs.ipv6 ? { address: addrs.ipv6, prefixLen: prefix(6) } : undefined,
    gateways: gatewaysFor(kind, mode, electedGateways(ctx, a, net)),
    ifSysctls: sandboxIpv6Sysctls(a.interface, addrs.ipv6 !== undefined),
  };
  let obs: SublinkObserved;
  try {
    obs = observe(ctx, d);
  } catch (err) {
    if (err instanceof NetnsMissingError) {
      ctx.enqueue(job.sandboxKey);
      return notReady(ctx, desired, 'SandboxNotReady', `network namespace ${sb.netnsPath} is missing; the sandbox is being recreated`);
    }
    throw err;
  }
  const plan = planSublink(d, obs);
  if ('conflict' in plan) return notReady(ctx, desired, 'Conflict', plan.conflict);
  try {
    applySteps(ctx.dp, plan.steps);
  } catch (err) {
    // E.g. a second passthru sub-interface on one parent: the kernel's word goes to the status.
    if (!(err instanceof StepError)) throw err;
    await notReady(ctx, desired, 'KernelError', `${err.message}: ${(err.cause as Error | undefined)?.message ?? 'failed'}`);
    return { requeueAfterMs: PARENT_RETRY_MS * 2 };
  }
  enqueueReaders(ctx, { prev, rec, networkKey: net.key, sandboxKey: a.sandboxKey });
  await report(ctx, desired, {
    ready: true,
    reason: 'Converged',
    message: '',
    facts: {
      ...linkFacts({ rec, mac, iface: a.interface, gateway: poolsOf(net)[0]?.gateway, defaultRoute: d.gateways.length > 0 }),
      parent: parentName,
      ports: [],
    },
    ...(a.ports.length
      ? { degraded: { reason: 'PortsNotPublished', message: `${kind} sandboxes are reached at their own address on the parent's network: ports are not published` } }
      : {}),
  });
}

/** One module for both: they differ only in the link kind (the network's driver) and ipvlan's MAC and l3 routes. */
const sublinkDriver: NetworkDriver = { reconcileNetwork: reconcileSublinkNetwork, reconcileAttachment: reconcileSublinkAttachment };

export const macvlanDriver = sublinkDriver;
export const ipvlanDriver = sublinkDriver;
