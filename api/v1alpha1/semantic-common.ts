// Helpers shared by the semantic checks: an error collector bound to a path, address parsing
// with messages, and the TS twin of x-kubernetes-list-type set/map uniqueness.
import type { FieldError } from './types.js';
import { formatPath, type PathSegment } from './paths.js';
import { formatIp, isLinkLocal, isLoopback, isMulticast, isUnspecified, parseCidr, parseIp, type Cidr, type Ip, type IpFamily } from '../ip.js';

export class Errors {
  readonly list: FieldError[] = [];
  add(segments: readonly PathSegment[], message: string): void {
    this.list.push({ path: formatPath(segments), message });
  }
}

/** Parses an address of the expected family, reporting why it is not one. */
export function needIp(errs: Errors, at: readonly PathSegment[], text: string, family?: IpFamily): Ip | undefined {
  const ip = parseIp(text);
  if (!ip) {
    errs.add(at, `${text} is not a valid ${family ? `IPv${family} ` : 'IP '}address`);
    return undefined;
  }
  if (family && ip.family !== family) {
    errs.add(at, `${text} is an IPv${ip.family} address; IPv${family} expected`);
    return undefined;
  }
  return ip;
}

/** Parses a CIDR; host bits set is an error that names the intended network. */
export function needCidr(errs: Errors, at: readonly PathSegment[], text: string, family?: IpFamily): Cidr | undefined {
  const loose = parseCidr(text, false);
  if (!loose) {
    errs.add(at, `${text} is not a valid ${family ? `IPv${family} ` : ''}CIDR`);
    return undefined;
  }
  if (family && loose.family !== family) {
    errs.add(at, `${text} is an IPv${loose.family} CIDR; IPv${family} expected`);
    return undefined;
  }
  if (!parseCidr(text, true)) {
    errs.add(at, `${text} has host bits set; did you mean ${formatIp(loose.family, loose.base)}/${loose.prefix}?`);
    return undefined;
  }
  return loose;
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

/**
 * TS twin of x-kubernetes-list-type set (key = the value) and map (key = the map keys):
 * the API server refuses duplicates, so file mode does too.
 */
export function uniqueListItems<T>(errs: Errors, at: readonly PathSegment[], items: readonly T[] | undefined, key: (t: T) => string): void {
  if (!items) return;
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const prev = first.get(k);
    if (prev === undefined) first.set(k, i);
    else errs.add([...at, i], `duplicate entry ${k} (also at ${formatPath([...at, prev])})`);
  });
}
