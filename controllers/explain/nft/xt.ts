// iptables-nft stores some matches as opaque xtables blobs (conntrack, comment...). nft's JSON
// only names them; the iptables rule text (`iptables -S`) says what they test. This resolves the
// few that decide forwarding on a Docker-like host; the rest stay undecidable.
import type { Packet } from './packet.js';

export type Tri = boolean | undefined;

function stateMatch(text: string | undefined, flag: '--ctstate' | '--state', p: Packet): Tri {
  const m = text ? new RegExp(`(!\\s+)?${flag}\\s+(\\S+)`).exec(text) : null;
  if (!m) return undefined;
  const states = m[2]!.split(',').map((s) => s.toLowerCase());
  const hit = states.includes(p.ct.state);
  return m[1] ? !hit : hit;
}

function addrtype(text: string | undefined, p: Packet): Tri {
  const m = text ? /(!\s+)?--dst-type\s+(\S+)/.exec(text) : null;
  if (!m || p.daddrLocal === undefined || /--src-type/.test(text ?? '')) return undefined;
  const hit = m[2] === 'LOCAL' ? p.daddrLocal : undefined;
  return hit === undefined ? undefined : m[1] ? !hit : hit;
}

/** Whether the xt match `name` of a rule with iptables text `ipt` matches p. */
export function xtMatch(name: string, ipt: string | undefined, p: Packet): Tri {
  switch (name) {
    case 'comment':
      return true;
    case 'conntrack':
      return stateMatch(ipt, '--ctstate', p);
    case 'state':
      return stateMatch(ipt, '--state', p);
    case 'addrtype':
      return addrtype(ipt, p);
    default:
      return undefined;
  }
}

/** The effect of an xt target: a verdict, 'continue' for targets that only observe, undefined when unknown. */
export function xtTarget(name: string): 'drop' | 'continue' | undefined {
  if (name === 'REJECT') return 'drop';
  if (name === 'LOG' || name === 'NFLOG') return 'continue';
  return undefined;
}
