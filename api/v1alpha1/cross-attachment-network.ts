// An Attachment's static addresses judged against its Network's pools: inside the subnet, and
// not the gateway, the network or broadcast address, or a reserved address.
import type { FieldError } from './types.js';
import type { ResolvedNetwork, ResolvedPool } from './defaults.js';
import type { ResolvedAttachment } from './defaults-attachment.js';
import { contains, last, parseIp } from '../ip.js';
import { nameOf } from './cross-names.js';

function problem(ip: string, family: 4 | 6, net: ResolvedNetwork): string | undefined {
  const pool: ResolvedPool | undefined = family === 4 ? net.ipv4 : net.ipv6;
  const where = nameOf(net.key);
  if (!pool) return `${where} has no IPv${family} pool (spec.ipam.ipv${family})`;
  const addr = parseIp(ip);
  if (!addr) return undefined; // validateResource reports unparsable addresses
  if (!contains(pool.cidr, addr)) return `${ip} is outside subnet ${pool.subnet} of ${where}`;
  if (ip === pool.gateway) return `${ip} is the gateway of ${where}`;
  if (addr.value === pool.cidr.base) return `${ip} is the network address of ${pool.subnet}`;
  if (family === 4 && addr.value === last(pool.cidr)) return `${ip} is the broadcast address of ${pool.subnet}`;
  if (pool.reserved.includes(ip)) return `${ip} is reserved in ${where}`;
  return undefined;
}

export function checkStaticAddresses(a: ResolvedAttachment, net: ResolvedNetwork): FieldError[] {
  const out: FieldError[] = [];
  if (a.ipv4Address !== undefined) {
    const why = problem(a.ipv4Address, 4, net);
    if (why) out.push({ path: 'spec.ipv4Address', message: why });
  }
  if (a.ipv6Address !== undefined) {
    const why = problem(a.ipv6Address, 6, net);
    if (why) out.push({ path: 'spec.ipv6Address', message: why });
  }
  return out;
}
