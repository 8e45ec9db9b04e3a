// Rules as people read them (close to `nft list` output), for explain's messages. iptables-nft
// rules are shown as `iptables -S` prints them.
import { verdictText, type Json, type ListedRule } from './listing.js';

function left(e: unknown): string {
  if (!e || typeof e !== 'object') return JSON.stringify(e);
  const [k, b] = Object.entries(e as Json)[0] ?? [];
  const o = (b ?? {}) as Json;
  switch (k) {
    case 'meta':
      return ['iifname', 'oifname', 'iif', 'oif', 'mark'].includes(String(o.key)) ? String(o.key) : `meta ${String(o.key)}`;
    case 'payload':
      return o.protocol ? `${String(o.protocol)} ${String(o.field)}` : 'payload';
    case 'ct':
      return `ct ${String(o.key)}`;
    case 'fib':
      return `fib ${(Array.isArray(o.flags) ? o.flags : []).join(' . ')} ${String(o.result)}`;
    case 'concat':
      return Array.isArray(b) ? b.map(left).join(' . ') : 'concat';
    case '&':
      return Array.isArray(b) ? `${left(b[0])} & ${right(b[1], false)}` : '&';
    default:
      return String(k);
  }
}

function right(e: unknown, quote: boolean): string {
  if (typeof e === 'string') return quote && !e.startsWith('@') ? `"${e}"` : e;
  if (typeof e === 'number') return String(e);
  if (Array.isArray(e)) return e.map((x) => right(x, quote)).join(',');
  if (!e || typeof e !== 'object') return String(e);
  const o = e as Json;
  if (o.prefix) return `${String((o.prefix as Json).addr)}/${String((o.prefix as Json).len)}`;
  if (Array.isArray(o.range)) return `${right(o.range[0], quote)}-${right(o.range[1], quote)}`;
  if (Array.isArray(o.set)) return `{ ${o.set.map((x) => (Array.isArray(x) ? `${right(x[0], quote)} : ${verdictText(x[1]) ?? right(x[1], quote)}` : right(x, quote))).join(', ')} }`;
  if (Array.isArray(o.concat)) return o.concat.map((x) => right(x, quote)).join(' . ');
  return JSON.stringify(e);
}

function statement(st: unknown): string | undefined {
  const [k, b] = Object.entries((st ?? {}) as Json)[0] ?? [];
  const o = (b ?? {}) as Json;
  switch (k) {
    case 'match': {
      const l = left(o.left);
      const q = /ifname$/.test(l);
      const op = o.op === '==' ? '' : o.op === 'in' ? '' : `${String(o.op)} `;
      return `${l} ${op}${right(o.right, q)}`;
    }
    case 'counter':
      return undefined;
    case 'jump':
    case 'goto':
      return `${k} ${String(o.target)}`;
    case 'vmap':
      return `${left(o.key)} vmap ${right(o.data, /ifname$/.test(left(o.key)))}`;
    case 'dnat':
    case 'snat': {
      const a = o.addr;
      const to = typeof a === 'string' ? a : a && typeof a === 'object' && 'map' in a ? `${left((a as { map: Json }).map.key)} map ${String((a as { map: Json }).map.data)}` : '?';
      return `${k} ${o.family ? `${String(o.family)} ` : ''}to ${to}${typeof o.port === 'number' ? `:${o.port}` : ''}`;
    }
    case 'xt':
      return `xt ${String(o.type)} ${String(o.name)}`;
    default:
      return typeof k === 'string' ? k : undefined;
  }
}

export function ruleText(r: ListedRule): string {
  if (r.ipt) return r.ipt;
  return r.expr.map(statement).filter((s): s is string => s !== undefined).join(' ');
}
