// One address pool (one family of one network): which addresses may be handed out.
import { contains, firstHost, formatIp, lastHost, parseCidr, parseIp, type Cidr, type IpFamily } from '../../api/ip.js';

export interface PoolSpec {
  family: IpFamily;
  /** Canonical CIDR of the network. */
  subnet: string;
  /** Gateway address (on the bridge), never handed out. */
  gateway?: string;
  /** Allocation range (CIDR inside subnet). */
  range: string;
  reserved: readonly string[];
  /** Static addresses must lie in the range too (an overlay node's slice), not just the subnet. */
  strictRange?: boolean;
}

/** The address pools of a resolved network, IPv4 first. */
export function poolsOf<P extends PoolSpec>(n: { ipv4: P | undefined; ipv6: P | undefined }): P[] {
  return [n.ipv4, n.ipv6].filter((p): p is P => p !== undefined);
}

export class Pool {
  readonly subnet: Cidr;
  readonly range: Cidr;
  private readonly excluded: Set<bigint>;

  constructor(readonly spec: PoolSpec) {
    const subnet = parseCidr(spec.subnet);
    const range = parseCidr(spec.range);
    if (!subnet || !range) throw new Error(`invalid pool ${spec.subnet} range ${spec.range}`);
    this.subnet = subnet;
    this.range = range;
    this.excluded = new Set(
      [spec.gateway, ...spec.reserved].flatMap((a) => {
        const ip = a ? parseIp(a) : undefined;
        return ip ? [ip.value] : [];
      }),
    );
  }

  get family(): IpFamily {
    return this.spec.family;
  }

  get prefix(): number {
    return this.subnet.prefix;
  }

  /** Why an address may not be used in this pool, or undefined if it may. */
  refusal(address: string): string | undefined {
    const ip = parseIp(address);
    if (!ip || ip.family !== this.family) return `${address} is not an IPv${this.family} address`;
    if (!contains(this.subnet, ip)) return `${address} is outside subnet ${this.spec.subnet}`;
    if (ip.value < firstHost(this.subnet) || ip.value > lastHost(this.subnet)) {
      return `${address} is the network or broadcast address of ${this.spec.subnet}`;
    }
    if (this.spec.gateway && ip.value === parseIp(this.spec.gateway)?.value) return `${address} is the gateway of ${this.spec.subnet}`;
    if (this.excluded.has(ip.value)) return `${address} is reserved`;
    if (this.spec.strictRange && !contains(this.range, ip)) return `${address} is outside this node's slice ${this.spec.range} of ${this.spec.subnet}`;
    return undefined;
  }

  /** First usable address of the range at or after cursor (wrapping once); skip() says which are taken. */
  find(cursor: bigint | undefined, taken: (value: bigint) => boolean): bigint | undefined {
    const lo = maxBig(firstHost(this.range), firstHost(this.subnet));
    const hi = minBig(lastHost(this.range), lastHost(this.subnet));
    if (hi < lo) return undefined;
    const start = cursor !== undefined && cursor >= lo && cursor <= hi ? cursor : lo;
    for (const [from, to] of [
      [start, hi],
      [lo, start - 1n],
    ] as const) {
      for (let v = from; v <= to; v++) {
        if (!this.excluded.has(v) && !taken(v)) return v;
      }
    }
    return undefined;
  }

  format(value: bigint): string {
    return formatIp(this.family, value);
  }
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
