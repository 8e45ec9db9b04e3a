// Carrier (IFF_LOWER_UP) as the kernel derives it: a veth needs its peer up, a bridge needs one
// port with carrier, a macvlan/ipvlan follows its lower device; others follow their own flag.
import type { FLink, FNs } from './state.js';

export function lowerUp(ns: FNs, l: FLink, depth = 0): boolean {
  if (!l.up || depth > 8) return false;
  switch (l.kind) {
    case 'veth': {
      const p = l.peer && l.peer.ns.link(l.peer.index);
      return !!p && p.up;
    }
    case 'bridge':
      for (const port of ns.links.values()) if (port.master === l.index && lowerUp(ns, port, depth + 1)) return true;
      return false;
    case 'macvlan':
    case 'ipvlan': {
      const parent = l.parent && l.parent.ns.link(l.parent.index);
      return !!parent && lowerUp(l.parent!.ns, parent, depth + 1);
    }
    default:
      return true;
  }
}
