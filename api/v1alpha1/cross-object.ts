// Rules spanning objects that can be decided from specs alone. Objects are visited oldest first
// (creationTimestamp; objects without one after those with one; then key; then input position),
// and each is checked against those already accepted, so the older object always wins and a
// loser never blocks anyone. Networks and Sandboxes go first: Attachments are judged against them.
import type { Attachment, FieldError, Network, Resource, Sandbox } from './types.js';
import { keyOf } from './defaults-values.js';
import { resolveNetwork, resolveSandbox, type ResolvedNetwork } from './defaults.js';
import { resolveAttachment, type ResolvedAttachment } from './defaults-attachment.js';
import { describeSpan, spansOverlap, type HostSpan } from './ports.js';
import { overlaps } from '../ip.js';
import { checkStaticAddresses } from './cross-attachment-network.js';
import { nameOf } from './cross-names.js';
import { DEFAULT_TENANCY, mayJoin, type TenancyPolicy } from './tenancy.js';
import { SoleAttachments } from './cross-exclusive.js';

export { nameOf };

export interface CrossObjectOptions {
  /**
   * File mode: every object is realized on this node, whatever spec.nodeName says (the field is
   * ignored there), so ports, static addresses and namespaces are compared across all Sandboxes.
   * Without it (kube mode) they are compared per node.
   */
  ignoreNodeName?: boolean;
  /** Where created namespaces are mounted, so an adopted path can be matched against them (default /run/netns). */
  netnsDir?: string;
  /** What a Network without allowedNamespaces admits (default: every namespace). */
  tenancy?: TenancyPolicy;
}

export interface CrossObjectError {
  /** Position of the losing object in the input. */
  index: number;
  key: string;
  errors: FieldError[];
}

interface Entry {
  index: number;
  key: string;
  obj: Resource;
}

function visitOrder(objects: readonly Resource[]): Entry[] {
  const entries = objects.map((obj, index) => ({ index, key: keyOf(obj), obj, ts: Date.parse(obj.metadata.creationTimestamp ?? '') }));
  return entries
    .sort((a, b) => {
      const ta = Number.isNaN(a.ts) ? Infinity : a.ts;
      const tb = Number.isNaN(b.ts) ? Infinity : b.ts;
      if (ta !== tb) return ta < tb ? -1 : 1;
      if (a.key !== b.key) return a.key < b.key ? -1 : 1;
      return a.index - b.index;
    })
    .map(({ index, key, obj }) => ({ index, key, obj }));
}

class Accepted {
  constructor(readonly opts: CrossObjectOptions) {}

  /** The node an object is realized on, as far as conflicts go. */
  nodeOf(nodeName: string | undefined): string {
    return this.opts.ignoreNodeName ? '' : (nodeName ?? '');
  }

  /** Every key visited, accepted or not: a second definition of a key always loses. */
  readonly seen = new Set<string>();
  readonly networks = new Map<string, ResolvedNetwork>();
  readonly sandboxes = new Map<string, Sandbox>();
  readonly netns = new Map<string, string>();
  /** Claim id (join, interface, address) to the key of the Attachment holding it. */
  readonly claims = new Map<string, string>();
  readonly sole = new SoleAttachments();
  /**
   * Accepted port spans by node, protocol and each host port they cover (a span covers at most
   * portRangeMax ports), so a new span meets only the spans it can collide with instead of every
   * accepted one. `seq` is the acceptance order: the first accepted clash is the one reported.
   */
  readonly ports = new Map<string, { seq: number; span: HostSpan; key: string }[]>();
  private seq = 0;

  addPort(node: string, span: HostSpan, key: string): void {
    const entry = { seq: this.seq++, span, key };
    for (let p = span.from; p <= span.to; p++) {
      const id = portSlot(node, span.protocol, p);
      const list = this.ports.get(id);
      if (list) list.push(entry);
      else this.ports.set(id, [entry]);
    }
  }

  /** The earliest accepted span on this node that overlaps `span`. */
  firstClash(node: string, span: HostSpan): { span: HostSpan; key: string } | undefined {
    let best: { seq: number; span: HostSpan; key: string } | undefined;
    for (let p = span.from; p <= span.to; p++) {
      for (const e of this.ports.get(portSlot(node, span.protocol, p)) ?? []) {
        if ((!best || e.seq < best.seq) && spansOverlap(e.span, span)) best = e;
      }
    }
    return best;
  }
}

function portSlot(node: string, protocol: string, port: number): string {
  return `${node}\0${protocol}\0${port}`;
}

function checkNetwork(acc: Accepted, n: Network, errors: FieldError[]): ResolvedNetwork {
  const r = resolveNetwork(n);
  for (const other of acc.networks.values()) {
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const a = r[fam];
      const b = other[fam];
      if (a && b && overlaps(a.cidr, b.cidr)) {
        errors.push({ path: `spec.ipam.${fam}.subnet`, message: `${a.subnet} overlaps subnet ${b.subnet} of ${nameOf(other.key)}` });
      }
    }
    if (r.bridgeName && r.bridgeName === other.bridgeName) {
      errors.push({ path: 'spec.bridge.name', message: `bridge name ${r.bridgeName} is already used by ${nameOf(other.key)}` });
    }
    if (r.vxlan && other.vxlan && r.vxlan.vni === other.vxlan.vni) {
      errors.push({ path: 'spec.vxlan.vni', message: `vni ${r.vxlan.vni} is already used by ${nameOf(other.key)}` });
    }
  }
  return r;
}

function checkSandbox(acc: Accepted, s: Sandbox, errors: FieldError[]): string {
  const r = resolveSandbox(s, { netnsDir: acc.opts.netnsDir ?? '/run/netns' });
  // By path, so adopting the file of a namespace another Sandbox creates is a conflict too
  // (/var/run is /run on every distribution we know).
  const id = `${acc.nodeOf(r.nodeName)}\0${r.netnsPath.replace(/^\/var\/run\//, '/run/')}`;
  const holder = acc.netns.get(id);
  if (holder) {
    const what = r.adopted ? `netns path ${r.netnsPath}` : `netns ${r.netnsName}`;
    const hint = !r.adopted && s.spec.netns?.name === undefined ? ' (the default, the sandbox name); set spec.netns.name' : '';
    errors.push({ path: r.adopted ? 'spec.netns.path' : 'spec.netns.name', message: `${what} is already used by ${nameOf(holder)}${hint}` });
  }
  return id;
}

/** Something only one Attachment may have: an id in Accepted.claims and the message for the loser. */
interface Claim {
  id: string;
  path: string;
  taken: (holder: string) => string;
}

function attachmentClaims(r: ResolvedAttachment, scope: string): Claim[] {
  const claims: Claim[] = [
    {
      id: `join\0${r.sandboxKey}\0${r.networkKey}`,
      path: 'spec.network',
      taken: (h) => `${nameOf(r.sandboxKey)} is already attached to ${nameOf(r.networkKey)} by ${nameOf(h)}`,
    },
    {
      id: `iface\0${r.sandboxKey}\0${r.interface}`,
      path: 'spec.interface',
      taken: (h) => `interface ${r.interface} in ${nameOf(r.sandboxKey)} is already used by ${nameOf(h)}`,
    },
  ];
  for (const [field, ip] of [['ipv4Address', r.ipv4Address], ['ipv6Address', r.ipv6Address]] as const) {
    if (ip !== undefined) {
      claims.push({ id: `ip\0${r.networkKey}\0${scope}\0${ip}`, path: `spec.${field}`, taken: (h) => `${ip} is already requested by ${nameOf(h)}` });
    }
  }
  return claims;
}

/** Rules between an Attachment and its Network alone (no winner involved). */
function networkErrors(r: ResolvedAttachment, network: ResolvedNetwork | undefined, tenancy: TenancyPolicy): FieldError[] {
  if (!network) return [];
  const errors = checkStaticAddresses(r, network);
  const join = mayJoin({ network: network.name, allowedNamespaces: network.allowedNamespaces, namespace: r.namespace }, tenancy);
  if (!join.allowed) errors.unshift({ path: 'spec.network', message: join.message });
  return errors;
}

/** Checks `a` against the accepted objects; `accept` records it once it has won. */
function checkAttachment(acc: Accepted, key: string, a: Attachment): { errors: FieldError[]; accept: () => void } {
  const network = acc.networks.get(`Network/${a.spec.network}`);
  const r = resolveAttachment(a, network);
  const node = acc.nodeOf(acc.sandboxes.get(r.sandboxKey)?.spec.nodeName);
  // Addresses on an overlay are unique across nodes; on a node-local network, per node.
  const claims = attachmentClaims(r, network?.driver === 'vxlan' ? '*' : node);
  const errors = [...networkErrors(r, network, acc.opts.tenancy ?? DEFAULT_TENANCY), ...acc.sole.check(r, network, acc.sandboxes.get(r.sandboxKey))];
  for (const c of claims) {
    const holder = acc.claims.get(c.id);
    if (holder) errors.push({ path: c.path, message: c.taken(holder) });
  }
  const spans = r.ports.map((p) => ({ protocol: p.protocol, hostIP: p.hostIP, from: p.hostPort, to: p.hostPortEnd }));
  spans.forEach((span, i) => {
    const clash = acc.firstClash(node, span);
    if (clash) errors.push({ path: `spec.ports[${i}].hostPort`, message: `host port ${describeSpan(span)} is already published by ${nameOf(clash.key)}` });
  });
  const accept = (): void => {
    for (const c of claims) acc.claims.set(c.id, key);
    for (const span of spans) acc.addPort(node, span, key);
    acc.sole.accept(r, network, key);
  };
  return { errors, accept };
}

/**
 * Conflicts between objects, reported on the loser (the younger object) with a message naming
 * the winner. Objects must have passed validateResource. Only objects with errors are returned.
 */
export function validateCrossObject(objects: readonly Resource[], opts: CrossObjectOptions = {}): CrossObjectError[] {
  const acc = new Accepted(opts);
  const out: CrossObjectError[] = [];
  const order = visitOrder(objects);
  // Sandboxes that adopt a path go after those that create theirs: a path nodenet creates a
  // namespace at is never someone else's to adopt, whatever the ages (file mode has none).
  const adopts = (e: Entry): boolean => e.obj.kind === 'Sandbox' && e.obj.spec.netns?.path !== undefined;
  const passes = [
    order.filter((e) => e.obj.kind !== 'Attachment' && !adopts(e)),
    order.filter(adopts),
    order.filter((e) => e.obj.kind === 'Attachment'),
  ];
  for (const pass of passes) {
    for (const { index, key, obj } of pass) {
      const errors: FieldError[] = [];
      if (acc.seen.has(key)) {
        errors.push({ path: 'metadata.name', message: `${nameOf(key)} is defined more than once; the first definition wins` });
        out.push({ index, key, errors });
        continue;
      }
      acc.seen.add(key);
      let accept: () => void;
      if (obj.kind === 'Network') {
        const r = checkNetwork(acc, obj, errors);
        accept = () => acc.networks.set(key, r);
      } else if (obj.kind === 'Sandbox') {
        const id = checkSandbox(acc, obj, errors);
        accept = () => {
          acc.netns.set(id, key);
          acc.sandboxes.set(key, obj);
        };
      } else {
        const r = checkAttachment(acc, key, obj);
        errors.push(...r.errors);
        accept = r.accept;
      }
      if (errors.length) out.push({ index, key, errors });
      else accept();
    }
  }
  return out.sort((a, b) => a.index - b.index);
}
