// Turns set elements from nft's JSON back into the canonical text the desired side produces, so
// the two compare as strings. A value is only accepted if it passes the same validation the
// model does: elements found in the kernel may end up in a `delete element` line.
import { canonicalIp, parseIp } from '../../../api/ip.js';
import { isValidIfname } from './validate.js';

const PROTO_BY_NUMBER: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };
const PROTO_NAMES = new Set(Object.values(PROTO_BY_NUMBER));

/** One component of an element in canonical text, or undefined if it is not one we could have written. */
export function formatComponent(type: string, v: unknown): string | undefined {
  switch (type) {
    case 'ifname':
      return isValidIfname(v) ? `"${v}"` : undefined;
    case 'ipv4_addr':
    case 'ipv6_addr': {
      const ip = typeof v === 'string' ? parseIp(v) : undefined;
      return ip && ip.family === (type === 'ipv4_addr' ? 4 : 6) ? canonicalIp(v as string) : undefined;
    }
    case 'inet_proto':
      if (typeof v === 'number') return PROTO_BY_NUMBER[v];
      return typeof v === 'string' && PROTO_NAMES.has(v) ? v : undefined;
    case 'inet_service': {
      const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : v;
      return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535 ? String(n) : undefined;
    }
    default:
      return undefined;
  }
}

function formatValue(types: string[], v: unknown): string | undefined {
  // An element with a comment or timeout comes wrapped as {"elem": {"val": ...}}.
  if (v && typeof v === 'object' && 'elem' in v) return formatValue(types, (v as { elem: { val?: unknown } }).elem.val);
  const parts = types.length > 1 ? concatParts(v) : [v];
  if (!parts || parts.length !== types.length) return undefined;
  const out: string[] = [];
  for (let i = 0; i < types.length; i++) {
    const t = formatComponent(types[i]!, parts[i]);
    if (t === undefined) return undefined;
    out.push(t);
  }
  return out.join(' . ');
}

function concatParts(v: unknown): unknown[] | undefined {
  if (v && typeof v === 'object' && 'concat' in v) {
    const parts = (v as { concat: unknown }).concat;
    return Array.isArray(parts) ? parts : undefined;
  }
  return undefined;
}

/** A JSON element of a set (value) or map ([key, value]) as canonical key and value text. */
export function parseElement(e: unknown, keyType: string[], valueType: string[] | undefined): { key: string; value: string } | undefined {
  if (!valueType) {
    const key = formatValue(keyType, e);
    return key === undefined ? undefined : { key, value: '' };
  }
  if (!Array.isArray(e) || e.length !== 2) return undefined;
  const key = formatValue(keyType, e[0]);
  const value = formatValue(valueType, e[1]);
  return key === undefined || value === undefined ? undefined : { key, value };
}
