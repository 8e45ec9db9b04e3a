// From a kernel event to the objects that own what changed. The ledger knows what we made: the
// bridge of each network, the host veth of each attachment, the namespace of each sandbox and the
// interface name each attachment has inside it. Events carry a namespace id and an ifindex (and a
// name for link events); names seen in link events are remembered per namespace so that address
// and route events, which only carry the ifindex, still find their owner.
import type { KernelEvent } from '../../dataplane/monitor.js';
import type { Ledger } from '../../state/ledger.js';
import { makeKey } from '../../store/keys.js';

export interface OwnerView {
  /** Host link name -> owner key (network bridges, attachment host ends). */
  hostLinks: Map<string, string>;
  /** Namespace path -> sandbox key. */
  sandboxes: Map<string, string>;
  /** Namespace path -> interface name -> attachment key. */
  inner: Map<string, Map<string, string>>;
}

export function ownerView(ledger: Pick<Ledger, 'keys' | 'get'>): OwnerView {
  const view: OwnerView = { hostLinks: new Map(), sandboxes: new Map(), inner: new Map() };
  for (const name of ledger.keys('networks')) {
    const device = ledger.get('networks', name)?.device;
    if (device) view.hostLinks.set(device, makeKey('Network', name));
  }
  for (const key of ledger.keys('sandboxes')) {
    const rec = ledger.get('sandboxes', key);
    if (rec) view.sandboxes.set(rec.netnsPath, key);
  }
  for (const key of ledger.keys('attachments')) {
    const rec = ledger.get('attachments', key);
    if (!rec) continue;
    if (rec.hostInterface) view.hostLinks.set(rec.hostInterface, key);
    let m = view.inner.get(rec.netnsPath);
    if (!m) view.inner.set(rec.netnsPath, (m = new Map()));
    m.set(rec.interface, key);
  }
  return view;
}

export interface Owned {
  keys: string[];
  /** What was seen, for logs and status. */
  detail: string;
}

/** Where the event happened: undefined for the agent's namespace. */
export type PathOfNsid = (nsid: number) => string | undefined;
/** Reads a link's name by index in a namespace (it may be gone: undefined). */
export type NameLookup = (path: string | undefined, index: number) => string | undefined;

const HOST = -1;

/** Remembers ifindex -> name per namespace id, learned from link events (and lookups). */
export class EventOwners {
  private readonly names = new Map<number, Map<number, string>>();

  constructor(private readonly lookup: NameLookup) {}

  /** Seeds the names of one namespace (undefined: the agent's), e.g. from a listing at start. */
  learn(nsid: number | undefined, links: readonly { index: number; name: string }[]): void {
    const m = this.namesOf(nsid ?? HOST);
    for (const l of links) m.set(l.index, l.name);
  }

  /** The owners of what the event touched, or undefined when it is none of ours. */
  owners(ev: Exclude<KernelEvent, { kind: 'overflow' }>, view: OwnerView, pathOf: PathOfNsid): Owned | undefined {
    const path = ev.nsid === undefined ? undefined : pathOf(ev.nsid);
    if (ev.nsid !== undefined && path === undefined) return undefined; // a namespace that is not a sandbox of ours
    const names = this.namesOf(ev.nsid ?? HOST);
    let name = ev.name ?? names.get(ev.index);
    if (ev.kind === 'link' && ev.name) {
      if (ev.action === 'new') names.set(ev.index, ev.name);
      else names.delete(ev.index);
    }
    if (name === undefined && ev.index > 0) {
      name = this.lookup(path, ev.index);
      if (name !== undefined) names.set(ev.index, name);
    }
    const where = path ?? 'host';
    const detail = `${describeEvent(ev, name)} (${where})`;
    if (path === undefined) {
      const key = name !== undefined ? view.hostLinks.get(name) : undefined;
      return key ? { keys: [key], detail } : undefined;
    }
    const sandbox = view.sandboxes.get(path);
    const inner = view.inner.get(path);
    if (name === 'lo') return sandbox ? { keys: [sandbox], detail } : undefined;
    const att = name !== undefined ? inner?.get(name) : undefined;
    if (att) return { keys: [att], detail };
    // Unknown interface (a route without a device, a link gone before we learned its name): every
    // attachment in that sandbox may be concerned.
    const all = [...(inner?.values() ?? [])];
    if (name === undefined && (all.length > 0 || sandbox)) return { keys: all.length > 0 ? all : [sandbox!], detail };
    return undefined;
  }

  private namesOf(nsid: number): Map<number, string> {
    let m = this.names.get(nsid);
    if (!m) this.names.set(nsid, (m = new Map()));
    return m;
  }
}

function describeEvent(ev: Exclude<KernelEvent, { kind: 'overflow' }>, name: string | undefined): string {
  const dev = name ?? `ifindex ${ev.index}`;
  switch (ev.kind) {
    case 'link':
      return ev.action === 'del' ? `link ${dev} deleted` : `link ${dev} changed`;
    case 'addr':
      return `IPv${ev.family ?? '?'} address ${ev.action === 'del' ? 'removed from' : 'added to'} ${dev}`;
    case 'route':
      return `IPv${ev.family ?? '?'} route ${ev.action === 'del' ? 'removed from' : 'added or changed on'} ${dev}`;
    default:
      return `neighbour ${ev.action === 'del' ? 'removed from' : 'changed on'} ${dev}`;
  }
}
