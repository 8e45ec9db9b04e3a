// Runtime values and errors of the CEL evaluator. JSON values map to CEL values directly (objects
// are maps, arrays are lists); IP and CIDR values come from the Kubernetes CEL network library.
import { deepEqual } from '../json.js';
import { parseIp, parseCidr, type Cidr, type Ip } from '../../../api/ip.js';

/** A runtime error (e.g. "no such key"): the rule fails, like the apiserver reports it. */
export class CelEvalError extends Error {}
/** Something this evaluator does not implement: the rule is accepted and reported as unevaluated. */
export class CelUnsupported extends Error {}

export class IpValue {
  constructor(readonly ip: Ip, readonly text: string) {}
}
export class CidrValue {
  constructor(readonly cidr: Cidr, readonly text: string) {}
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof IpValue) && !(v instanceof CidrValue);
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null_type';
  if (Array.isArray(v)) return 'list';
  if (v instanceof IpValue) return 'net.IP';
  if (v instanceof CidrValue) return 'net.CIDR';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  if (typeof v === 'object') return 'map';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

export function celEqual(a: unknown, b: unknown): boolean {
  if (a instanceof IpValue && b instanceof IpValue) return a.ip.family === b.ip.family && a.ip.value === b.ip.value;
  if (a instanceof CidrValue && b instanceof CidrValue) return a.cidr.family === b.cidr.family && a.cidr.prefix === b.cidr.prefix && a.cidr.base === b.cidr.base;
  return deepEqual(a, b);
}

/** The Kubernetes library's parsers are strict: no zones, no IPv4-mapped IPv6, canonical CIDRs not required. */
export function toIp(s: unknown): IpValue {
  if (typeof s !== 'string') throw new CelEvalError(`ip() requires a string, got ${typeName(s)}`);
  const ip = s.includes('%') ? undefined : parseIp(s);
  if (!ip) throw new CelEvalError(`IP Address "${s}" parse error during conversion from string`);
  return new IpValue(ip, s);
}

export function toCidr(s: unknown): CidrValue {
  if (typeof s !== 'string') throw new CelEvalError(`cidr() requires a string, got ${typeName(s)}`);
  const c = parseCidr(s, false);
  if (!c) throw new CelEvalError(`network address "${s}" parse error during conversion from string`);
  return new CidrValue(c, s);
}

export function isIpText(s: unknown): boolean {
  return typeof s === 'string' && !s.includes('%') && parseIp(s) !== undefined;
}

export function isCidrText(s: unknown): boolean {
  return typeof s === 'string' && parseCidr(s, false) !== undefined;
}
