// Bad objects: a valid generated object with exactly one thing broken, and the field path(s) an
// error must name for the refusal to count as precise. Each mutation is one rule of the API.
import fc from 'fast-check';
import { formatPath, type PathSegment } from '../../../api/v1alpha1/paths.js';
import { parseCidr, formatIp, last } from '../../../api/ip.js';
import type { Attachment, Network } from '../../../api/v1alpha1/types.js';
import * as good from './objects.js';
import * as bad from './bad-values.js';

export interface Mutated {
  /** Which rule the mutation breaks (for the tally). */
  mutation: string;
  obj: unknown;
  /** An error at one of these paths (or below one) makes the refusal precise. */
  paths: string[];
}

type Obj = Record<string, unknown>;

function clone<T>(v: T): T {
  return structuredClone(v);
}

function setAt(root: unknown, path: readonly PathSegment[], value: unknown): void {
  let cur = root as Obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = typeof path[i + 1] === 'number' ? [] : {};
    cur = cur[k] as Obj;
  }
  if (value === undefined) delete cur[path[path.length - 1]!];
  else cur[path[path.length - 1]!] = value;
}

/** Sets one field (creating parents) and expects the error at that field. */
function field<T>(mutation: string, base: fc.Arbitrary<T>, path: PathSegment[], values: fc.Arbitrary<unknown>, extra: (o: T) => void = () => undefined): fc.Arbitrary<Mutated> {
  return fc.tuple(base, values).map(([o, v]) => {
    const obj = clone(o);
    extra(obj);
    setAt(obj, path, v);
    return { mutation, obj, paths: [formatPath(path)] };
  });
}

/** Every path of a JSON value (containers and leaves), for "wrong type anywhere". */
function pathsOf(v: unknown, at: PathSegment[] = []): PathSegment[][] {
  const out: PathSegment[][] = at.length ? [at] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, k]));
  return out;
}

function getAt(root: unknown, path: readonly PathSegment[]): unknown {
  return path.reduce<unknown>((o, k) => (o as Obj)[k], root);
}

const wrongTypeFor = (orig: unknown): fc.Arbitrary<unknown> => {
  const all: fc.Arbitrary<unknown>[] = [fc.constant(null), fc.integer(), fc.boolean(), fc.string({ maxLength: 8 }), fc.constant([]), fc.constant({ x: 1 })];
  const keep = all.filter((_, i) => {
    const sample = [null, 1, true, 's', [], {}][i];
    const t = (x: unknown): string => (Array.isArray(x) ? 'array' : x === null ? 'null' : typeof x);
    // Numbers and integers count as one type: a float where an integer goes is checked elsewhere.
    return t(sample) !== t(orig);
  });
  return fc.oneof(...keep);
};

/** Replaces any field (or list item) with a value of another JSON type. */
const wrongType: fc.Arbitrary<Mutated> = good.anyGood.chain((o) => {
  const paths = pathsOf(o).filter((p) => !(p.length === 1 && (p[0] === 'apiVersion' || p[0] === 'kind')));
  return fc.constantFrom(...paths).chain((p) =>
    wrongTypeFor(getAt(o, p)).map((v) => {
      const obj = clone(o);
      setAt(obj, p, v);
      return { mutation: 'wrong-type', obj, paths: [formatPath(p)] };
    }),
  );
});

/** An unknown field (file mode refuses typos) in any object of the document. */
const unknownField: fc.Arbitrary<Mutated> = good.anyGood.chain((o) => {
  const objects = [[] as PathSegment[], ...pathsOf(o).filter((p) => { const v = getAt(o, p); return v !== null && typeof v === 'object' && !Array.isArray(v) && !['labels', 'annotations', 'nodeSelector'].includes(String(p[p.length - 1])); })];
  return fc.tuple(fc.constantFrom(...objects), fc.stringMatching(/^zz[A-Za-z0-9_]{0,10}$/)).map(([p, key]) => {
    const obj = clone(o);
    setAt(obj, [...p, key], 'x');
    return { mutation: 'unknown-field', obj, paths: [formatPath([...p, key])] };
  });
});

const missing = (mutation: string, base: fc.Arbitrary<unknown>, path: PathSegment[]): fc.Arbitrary<Mutated> =>
  base.map((o) => {
    const obj = clone(o);
    setAt(obj, path, undefined);
    return { mutation, obj, paths: [formatPath(path)] };
  });

const many = <T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T[]> => fc.array(arb, { minLength: n, maxLength: n });

const common: fc.Arbitrary<Mutated>[] = [
  wrongType,
  unknownField,
  field('bad-name', good.anyGood, ['metadata', 'name'], bad.badLabel),
  field('bad-apiVersion', good.anyGood, ['apiVersion'], fc.constantFrom('v1', 'nodenet.io/v1', '', 'nodenet.io/v1alpha1 ')),
  field('bad-kind', good.anyGood, ['kind'], fc.constantFrom('Pod', 'network', 'Attachments', '')),
  missing('missing-name', good.anyGood, ['metadata', 'name']),
  missing('missing-spec', good.anyGood, ['spec']),
  field('too-many-labels', good.anyGood, ['metadata', 'labels'], fc.constant(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])))),
  field('bad-label-value', good.anyGood, ['metadata', 'labels', 'app'], fc.oneof(bad.badLabel.filter((s) => s !== '' && s.length <= 63 && !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(s)))),
];

function subnetOf(n: Network): { base: string; broadcast: string } {
  const c = parseCidr(n.spec.ipam!.ipv4!.subnet)!;
  return { base: formatIp(4, c.base), broadcast: formatIp(4, last(c)) };
}

const v4 = ['spec', 'ipam', 'ipv4'];
const addV6 = (n: Network): void => void (n.spec.ipam!.ipv6 = { subnet: 'fd00:77::/64' });

const networkMutations: fc.Arbitrary<Mutated>[] = [
  field('subnet', good.network, [...v4, 'subnet'], bad.badCidr4),
  field('subnet6', good.network, ['spec', 'ipam', 'ipv6', 'subnet'], bad.badCidr6),
  field('gateway-outside', good.network, [...v4, 'gateway'], fc.constantFrom('192.168.0.1', '172.16.0.1', 'fd00::1', '10.0.0.1/24', 'x')),
  good.network.chain((n) =>
    fc.constantFrom('base', 'broadcast').map((which) => {
      const obj = clone(n);
      obj.spec.ipam!.ipv4!.gateway = subnetOf(n)[which as 'base' | 'broadcast'];
      return { mutation: 'gateway-special', obj, paths: [formatPath([...v4, 'gateway'])] };
    }),
  ),
  field('range-outside', good.network, [...v4, 'range'], fc.constantFrom('192.168.0.0/24', '10.0.0.0/8', '11.0.0.0/24', '10.0.0.1/24')),
  field('reserved-outside', good.network, [...v4, 'reserved'], fc.constant(['192.168.7.7'])),
  field('reserved-dup', good.network, [...v4, 'reserved'], fc.constant(['10.255.255.254', '10.255.255.254'])),
  field('reserved-many', good.network, [...v4, 'reserved'], fc.constant(Array.from({ length: 1025 }, (_, i) => `10.0.${i >> 8}.${i & 255}`))),
  field('mtu', good.network, ['spec', 'bridge', 'mtu'], bad.badMtu),
  field('mtu-v6', good.network, ['spec', 'bridge', 'mtu'], fc.integer({ min: 68, max: 1279 }), addV6),
  field('bridge-name', good.network, ['spec', 'bridge', 'name'], fc.oneof(bad.badIfname, fc.stringMatching(/^nnv[a-z0-9]{0,12}$/))),
  field('host-binding', good.network, ['spec', 'bridge', 'hostBindingIPv4'], fc.constantFrom('255.255.255.255', '224.0.0.1', '::', 'abc', '')),
  field('bool', good.network, ['spec', 'bridge', 'enableICC'], fc.constantFrom('yes', 'true', 1, 0)),
  field('driver', good.network, ['spec', 'driver'], fc.constantFrom('ovs', 'Bridge', '', 'bridge; reboot')),
  field('driver-null-ipam', good.network, ['spec', 'driver'], fc.constantFrom('null', 'host')).map((m) => ({ ...m, paths: ['spec.ipam'] })),
  field('driver-macvlan', good.network, ['spec', 'driver'], fc.constant('macvlan')).map((m) => ({ ...m, paths: ['spec.macvlan'] })),
  field('no-pool', good.network, ['spec', 'ipam'], fc.constant({})),
  field('allowed-bad', good.network, ['spec', 'allowedNamespaces'], bad.badLabel.map((l) => [l])).map((m) => ({ ...m, paths: ['spec.allowedNamespaces[0]'] })),
  field('allowed-dup', good.network, ['spec', 'allowedNamespaces'], good.label.map((l) => [l, l])).map((m) => ({ ...m, paths: ['spec.allowedNamespaces[1]'] })),
  field('allowed-many', good.network, ['spec', 'allowedNamespaces'], fc.constant(Array.from({ length: 65 }, (_, i) => `ns-${i}`))),
  field('network-namespaced', good.network, ['metadata', 'namespace'], good.label),
];

const sandboxMutations: fc.Arbitrary<Mutated>[] = [
  field('netns-both', good.sandbox, ['spec', 'netns'], fc.constant({ name: 'a', path: '/run/netns/a' })),
  field('netns-path', good.sandbox, ['spec', 'netns'], bad.badNetnsPath.map((path) => ({ path }))).map((m) => ({ ...m, paths: ['spec.netns.path'] })),
  field('netns-name', good.sandbox, ['spec', 'netns'], fc.constantFrom('', '../x', 'a/b', '.x', '-x', 'a'.repeat(65), 'a b', 'a\nb', 'a;b').map((name) => ({ name }))).map((m) => ({
    ...m,
    paths: ['spec.netns.name'],
  })),
  field('hostname', good.sandbox, ['spec', 'hostname'], bad.badHostname),
  field('nameservers', good.sandbox, ['spec', 'dns', 'nameservers'], fc.oneof(fc.constantFrom(['0.0.0.0'], ['224.0.0.251'], ['x']), many(good.ipv4Host, 4))),
  field('search', good.sandbox, ['spec', 'dns', 'search'], fc.oneof(bad.badHostname.map((h) => [h]), many(good.hostname, 7))),
  field('options', good.sandbox, ['spec', 'dns', 'options'], fc.constantFrom(['ndots 2'], ['a;b'], [''], ['ndots:2\nnameserver 1.2.3.4'])),
  field('extra-host-ip', good.sandbox, ['spec', 'extraHosts'], fc.constantFrom([{ hostname: 'db', ip: '0.0.0.0' }], [{ hostname: 'db', ip: 'x' }], [{ hostname: 'db' }])),
  field('extra-host-name', good.sandbox, ['spec', 'extraHosts'], bad.badHostname.map((hostname) => [{ hostname, ip: '10.0.0.9' }])),
  field('extra-hosts-many', good.sandbox, ['spec', 'extraHosts'], fc.constant(Array.from({ length: 257 }, (_, i) => ({ hostname: `h${i}`, ip: '10.0.0.9' })))),
  field('node-name', good.sandbox, ['spec', 'nodeName'], bad.badLabel.filter((s) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s))),
];

const portsAt = (a: Attachment): number => a.spec.ports?.length ?? 0;
/** Appends a mapping to spec.ports and expects the error at it (or one of its fields). */
const addPort = (mutation: string, mapping: fc.Arbitrary<Obj>): fc.Arbitrary<Mutated> =>
  fc.tuple(good.attachment, mapping).map(([a, m]) => {
    const obj = clone(a);
    const i = portsAt(obj);
    obj.spec.ports = [...(obj.spec.ports ?? []), m as never];
    return { mutation, obj, paths: [formatPath(['spec', 'ports', i])] };
  });

const attachmentMutations: fc.Arbitrary<Mutated>[] = [
  field('interface', good.attachment, ['spec', 'interface'], bad.badIfname),
  field('sandbox-ref', good.attachment, ['spec', 'sandbox'], bad.badLabel),
  field('network-ref', good.attachment, ['spec', 'network'], bad.badLabel),
  field('ipv4', good.attachment, ['spec', 'ipv4Address'], bad.badIpv4Host),
  field('ipv6', good.attachment, ['spec', 'ipv6Address'], bad.badIpv6Host),
  field('mac', good.attachment, ['spec', 'macAddress'], bad.badMac),
  field('aliases-bad', good.attachment, ['spec', 'aliases'], bad.badHostname.map((h) => [h])),
  field('aliases-dup', good.attachment, ['spec', 'aliases'], good.hostname.map((h) => [h, h])),
  field('aliases-many', good.attachment, ['spec', 'aliases'], fc.constant(Array.from({ length: 33 }, (_, i) => `a${i}`))),
  field('priority', good.attachment, ['spec', 'gatewayPriority'], fc.constantFrom<unknown>(1001, -1001, 1.5, '1', 1e9)),
  addPort('port-host', bad.badPort.map((hostPort) => ({ hostPort, containerPort: 80 }))),
  addPort('port-container', bad.badPort.map((containerPort) => ({ hostPort: 31000, containerPort }))),
  addPort('port-order', fc.integer({ min: 31001, max: 32000 }).map((h) => ({ hostPort: h, hostPortEnd: h - 1, containerPort: 80, containerPortEnd: 79 }))),
  addPort('port-lengths', fc.integer({ min: 1, max: 50 }).map((w) => ({ hostPort: 31000, hostPortEnd: 31000 + w, containerPort: 80 }))),
  addPort('port-wide', fc.integer({ min: 1024, max: 30000 }).map((w) => ({ hostPort: 20000, hostPortEnd: 20000 + w, containerPort: 20000, containerPortEnd: 20000 + w }))),
  addPort('port-protocol', fc.constantFrom('icmp', 'TCP', '', 'tcp;').map((protocol) => ({ hostPort: 31000, containerPort: 80, protocol }))),
  addPort('port-hostip', fc.constantFrom('224.0.0.1', '255.255.255.255', 'abc', 'ff02::1', '10.0.0.1/8').map((hostIP) => ({ hostPort: 31000, containerPort: 80, hostIP }))),
  good.attachment
    .filter((a) => portsAt(a) > 0)
    .map((a) => {
      const obj = clone(a);
      const i = portsAt(obj);
      obj.spec.ports = [...obj.spec.ports!, { ...obj.spec.ports![0]! }];
      return { mutation: 'port-duplicate', obj, paths: [formatPath(['spec', 'ports', i, 'hostPort'])] };
    }),
  field('ports-many', good.attachment, ['spec', 'ports'], fc.constant(Array.from({ length: 257 }, (_, i) => ({ hostPort: 1000 + i, containerPort: 80 })))),
  field('ports-expanded', good.attachment, ['spec', 'ports'], fc.constant(Array.from({ length: 5 }, (_, i) => ({ hostPort: 1 + i * 1000, hostPortEnd: 1000 + i * 1000, containerPort: 1, containerPortEnd: 1000 })))),
];

export const badObject: fc.Arbitrary<Mutated> = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(...common) },
  { weight: 3, arbitrary: fc.oneof(...networkMutations) },
  { weight: 3, arbitrary: fc.oneof(...sandboxMutations) },
  { weight: 4, arbitrary: fc.oneof(...attachmentMutations) },
);
