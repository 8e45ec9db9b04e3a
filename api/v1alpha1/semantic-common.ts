// The error collector of the semantic checks, with address parsing that explains failures and
// the TS twin of x-kubernetes-list-type set/map uniqueness; and what makes an address unicast.
import type { FieldError } from './types.js';
import { formatPath, type PathSegment } from './paths.js';
import { formatIp, isLinkLocal, isLoopback, isMulticast, isUnspecified, parseCidr, parseIp, type Cidr, type Ip, type IpFamily } from '../ip.js';

export class Errors {
  readonly list: FieldError[] = [];

  add(segments: readonly PathSegment[], message: string): void {
    this.list.push({ path: formatPath(segments), message });
  }

  /** Parses an address (of `family`, when given), reporting why it is not one. */
  ip(at: readonly PathSegment[], text: string, family?: IpFamily): Ip | undefined {
    const ip = parseIp(text);
    if (!ip) {
      this.add(at, `${text} is not a valid ${family ? `IPv${family} ` : 'IP '}address`);
      return undefined;
    }
    if (family && ip.family !== family) {
      this.add(at, `${text} is an IPv${ip.family} address; IPv${family} expected`);
      return undefined;
    }
    return ip;
  }

  /** Parses a CIDR; host bits set is an error that names the intended network. */
  cidr(at: readonly PathSegment[], text: string, family?: IpFamily): Cidr | undefined {
    const loose = parseCidr(text, false);
    if (!loose) {
      this.add(at, `${text} is not a valid ${family ? `IPv${family} ` : ''}CIDR`);
      return undefined;
    }
    if (family && loose.family !== family) {
      this.add(at, `${text} is an IPv${loose.family} CIDR; IPv${family} expected`);
      return undefined;
    }
    if (!parseCidr(text, true)) {
      this.add(at, `${text} has host bits set; did you mean ${formatIp(loose.family, loose.base)}/${loose.prefix}?`);
      return undefined;
    }
    return loose;
  }

  /**
   * TS twin of x-kubernetes-list-type set (key = the value) and map (key = the map keys):
   * the API server refuses duplicates, so file mode does too.
   */
  unique<T>(at: readonly PathSegment[], items: readonly T[] | undefined, key: (t: T) => string): void {
    const first = new Map<string, number>();
    (items ?? []).forEach((item, i) => {
      const k = key(item);
      const prev = first.get(k);
      if (prev === undefined) first.set(k, i);
      else this.add([...at, i], `duplicate entry ${k} (also at ${formatPath([...at, prev])})`);
    });
  }
}

/** Why an address cannot be given to an interface (or published on), or undefined when it can. */
export function notUnicast(ip: Ip): string | undefined {
  if (isUnspecified(ip)) return 'the unspecified address';
  if (isMulticast(ip)) return 'a multicast address';
  if (isLoopback(ip)) return 'a loopback address';
  if (isLinkLocal(ip)) return 'a link-local address';
  if (ip.family === 4 && ip.value === 0xffffffffn) return 'the broadcast address';
  if (ip.family === 4 && ip.value >> 24n === 0n) return 'in 0.0.0.0/8 ("this network")';
  return undefined;
}
