// Maps validated API objects to the engine's resolved view. Defaults are decided in
// api/v1alpha1/defaults.ts; this only reshapes them for the reconcilers.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { canonicalCidr, canonicalIp, firstHost, formatIp, parseCidr } from '../../api/ip.js';
import type { Attachment, IpamPool, Network, Sandbox } from '../../api/v1alpha1/types.js';
import type { PoolSpec } from '../ipam/pool.js';
import { keyOf, sandboxKeyOf } from '../store/keys.js';
import type { RAttachment, RNetwork, RSandbox } from './resolved.js';

export function resolveNetwork(n: Network): RNetwork {
  const b = n.spec.bridge ?? {};
  const pools: PoolSpec[] = [];
  if (n.spec.ipam?.ipv4) pools.push(pool(4, n.spec.ipam.ipv4));
  if (n.spec.ipam?.ipv6) pools.push(pool(6, n.spec.ipam.ipv6));
  return {
    key: keyOf(n),
    name: n.metadata.name,
    driver: n.spec.driver ?? 'bridge',
    bridge: b.name ?? defaultBridgeName(n.metadata.name),
    mtu: b.mtu ?? 1500,
    icc: b.enableICC ?? true,
    masquerade: b.masquerade ?? true,
    internal: b.internal ?? false,
    isolation: b.isolation ?? true,
    hostBindingIPv4: b.hostBindingIPv4 ?? '0.0.0.0',
    pools,
  };
}

export function defaultBridgeName(name: string): string {
  const direct = `nn-${name}`;
  if (Buffer.byteLength(direct) <= 15) return direct;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 4);
  return `nn-${name.slice(0, 7).replace(/[^A-Za-z0-9_.-]/g, '-')}-${hash}`;
}

function pool(family: 4 | 6, p: IpamPool): PoolSpec {
  const subnet = canonicalCidr(p.subnet) ?? p.subnet;
  const c = parseCidr(subnet);
  const gateway = p.gateway ? canonicalIp(p.gateway) : c ? formatIp(family, firstHost(c)) : undefined;
  return {
    family,
    subnet,
    ...(gateway ? { gateway } : {}),
    range: p.range ? (canonicalCidr(p.range) ?? p.range) : subnet,
    reserved: (p.reserved ?? []).map((r) => canonicalIp(r) ?? r),
  };
}

export function resolveSandbox(s: Sandbox, opts: { netnsDir: string }): RSandbox {
  const namespace = s.metadata.namespace ?? 'default';
  const path = s.spec.netns?.path;
  const netnsName = s.spec.netns?.name ?? s.metadata.name;
  return {
    key: keyOf(s),
    namespace,
    name: s.metadata.name,
    netnsPath: path ?? join(opts.netnsDir, netnsName),
    adopted: path !== undefined,
    hostname: s.spec.hostname ?? s.metadata.name,
    ...(s.spec.dns ? { dns: s.spec.dns } : {}),
    extraHosts: s.spec.extraHosts ?? [],
  };
}

export function resolveAttachment(a: Attachment): RAttachment {
  const namespace = a.metadata.namespace ?? 'default';
  return {
    key: keyOf(a),
    namespace,
    name: a.metadata.name,
    sandbox: a.spec.sandbox,
    sandboxKey: sandboxKeyOf(a),
    network: a.spec.network,
    interface: a.spec.interface ?? 'eth0',
    ...(a.spec.ipv4Address ? { ipv4: canonicalIp(a.spec.ipv4Address) ?? a.spec.ipv4Address } : {}),
    ...(a.spec.ipv6Address ? { ipv6: canonicalIp(a.spec.ipv6Address) ?? a.spec.ipv6Address } : {}),
    ...(a.spec.macAddress ? { mac: a.spec.macAddress.toLowerCase() } : {}),
    aliases: a.spec.aliases ?? [],
    gatewayPriority: a.spec.gatewayPriority ?? 0,
    ports: (a.spec.ports ?? []).map((p) => ({
      hostIP: p.hostIP,
      hostPort: p.hostPort,
      hostPortEnd: p.hostPortEnd ?? p.hostPort,
      containerPort: p.containerPort,
      containerPortEnd: p.containerPortEnd ?? p.containerPort + ((p.hostPortEnd ?? p.hostPort) - p.hostPort),
      protocol: p.protocol ?? 'tcp',
    })),
  };
}
