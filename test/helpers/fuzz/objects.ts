// fast-check arbitraries of VALID nodenet objects: every value is built to satisfy the schema and
// the semantic checks (not filtered), so "good objects are accepted" is a real property.
import fc from 'fast-check';
import type { Attachment, Network, PortMapping, Sandbox } from '../../../api/v1alpha1/types.js';

const API = 'nodenet.io/v1alpha1' as const;

/** DNS-1123 labels, short enough to leave room for prefixes. */
export const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,14}[a-z0-9])?$/);
/** Host names (letters, digits, "-", dots between labels). */
export const hostname = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9]{0,10}[A-Za-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?){0,2}$/);
/** Interface names that are valid and not reserved (never lo/all/default: the leading "n"). */
export const ifname = fc.stringMatching(/^n[a-z0-9_.-]{0,13}$/);

const u8 = fc.integer({ min: 0, max: 255 });
const ip4 = (a: number, b: number, c: number, d: number): string => `${a}.${b}.${c}.${d}`;
/** Unicast addresses in 10/8 (never network 0, never .255 broadcast of a /24 host part). */
export const ipv4Host = fc.tuple(u8, u8, fc.integer({ min: 1, max: 254 })).map(([b, c, d]) => ip4(10, b, c, d));
const hex4 = fc.integer({ min: 1, max: 0xffff }).map((n) => n.toString(16));

interface V4Pool {
  subnet: string;
  gateway?: string;
  range?: string;
  reserved?: string[];
}

/** An IPv4 pool inside 10/8 with optional gateway, range and reserved addresses, all inside it. */
export const v4Pool: fc.Arbitrary<V4Pool> = fc
  .record({
    b: u8,
    c: u8,
    prefix: fc.integer({ min: 16, max: 28 }),
    gwOffset: fc.option(fc.integer({ min: 1, max: 14 }), { nil: undefined }),
    rangeExtra: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
    reserved: fc.uniqueArray(fc.integer({ min: 1, max: 14 }), { maxLength: 4 }),
  })
  .map(({ b, c, prefix, gwOffset, rangeExtra, reserved }) => {
    const base = ((10 << 24) | (b << 16) | (c << 8)) >>> 0;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const net = (base & mask) >>> 0;
    const text = (n: number): string => ip4(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
    const pool: V4Pool = { subnet: `${text(net)}/${prefix}` };
    if (gwOffset !== undefined) pool.gateway = text(net + gwOffset);
    if (rangeExtra !== undefined) pool.range = `${text(net)}/${prefix + rangeExtra}`;
    if (reserved.length) pool.reserved = reserved.map((o) => text(net + o));
    return pool;
  });

export const v6Pool = fc.record({ g: hex4, gw: fc.boolean() }).map(({ g, gw }) => ({
  subnet: `fd00:${g}::/64`,
  ...(gw ? { gateway: `fd00:${g}::1` } : {}),
}));

export const network: fc.Arbitrary<Network> = fc
  .record({
    name: label,
    v4: v4Pool,
    v6: fc.option(v6Pool, { nil: undefined }),
    bridge: fc.option(
      fc.record(
        {
          name: fc.stringMatching(/^br[a-z0-9]{1,12}$/),
          mtu: fc.integer({ min: 1280, max: 9000 }),
          enableICC: fc.boolean(),
          masquerade: fc.boolean(),
          internal: fc.boolean(),
          isolation: fc.boolean(),
          hostBindingIPv4: fc.constantFrom('0.0.0.0', '127.0.0.1', '192.168.1.5'),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
    allowed: fc.option(fc.uniqueArray(label, { maxLength: 4 }), { nil: undefined }),
    driver: fc.boolean(),
  })
  .map(({ name, v4, v6, bridge, allowed, driver }) => {
    const spec: Network['spec'] = { ipam: { ipv4: v4, ...(v6 ? { ipv6: v6 } : {}) } };
    if (driver) spec.driver = 'bridge';
    if (bridge) spec.bridge = bridge;
    if (allowed) spec.allowedNamespaces = allowed;
    return { apiVersion: API, kind: 'Network', metadata: { name }, spec };
  });

export const sandbox: fc.Arbitrary<Sandbox> = fc
  .record(
    {
      name: label,
      namespace: label,
      netns: fc.oneof(
        fc.record({ name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/) }),
        fc.integer({ min: 2, max: 4194304 }).map((pid) => ({ path: `/proc/${pid}/ns/net` })),
        label.map((n) => ({ path: `/run/netns/${n}` })),
      ),
      hostname,
      dns: fc.record(
        {
          nameservers: fc.array(ipv4Host, { maxLength: 3 }),
          search: fc.array(hostname, { maxLength: 6 }),
          options: fc.array(fc.constantFrom('ndots:2', 'edns0', 'timeout:1', 'attempts:3'), { maxLength: 4 }),
        },
        { requiredKeys: [] },
      ),
      extraHosts: fc.array(fc.record({ hostname, ip: ipv4Host }), { maxLength: 5 }),
    },
    { requiredKeys: ['name'] },
  )
  .map(({ name, namespace, ...spec }) => ({
    apiVersion: API,
    kind: 'Sandbox' as const,
    metadata: namespace === undefined ? { name } : { name, namespace },
    spec,
  }));

/** Published ports in disjoint host blocks (i * 1000 + k), so they never collide with each other. */
const ports: fc.Arbitrary<PortMapping[]> = fc
  .array(
    fc.record({
      k: fc.integer({ min: 1, max: 900 }),
      width: fc.integer({ min: 0, max: 20 }),
      container: fc.integer({ min: 1, max: 65000 }),
      protocol: fc.option(fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const), { nil: undefined }),
      hostIP: fc.option(fc.constantFrom('0.0.0.0', '127.0.0.1', '::', '10.1.2.3'), { nil: undefined }),
    }),
    { maxLength: 5 },
  )
  .map((list) =>
    list.map(({ k, width, container, protocol, hostIP }, i) => {
      const p: PortMapping = { hostPort: i * 1000 + k, containerPort: container };
      if (width > 0) {
        p.hostPortEnd = p.hostPort + width;
        p.containerPortEnd = container + width;
      }
      if (protocol) p.protocol = protocol;
      if (hostIP) p.hostIP = hostIP;
      return p;
    }),
  );

export const mac = fc
  .tuple(fc.integer({ min: 0, max: 126 }), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 5, maxLength: 5 }))
  .map(([first, rest]) => [first * 2 + (rest.every((x) => x === 0) ? 2 : 0), ...rest].map((n) => n.toString(16).padStart(2, '0')).join(':'));

export const attachment: fc.Arbitrary<Attachment> = fc
  .record(
    {
      name: label,
      namespace: label,
      sandbox: label,
      network: label,
      interface: ifname,
      ipv4Address: ipv4Host,
      macAddress: mac,
      aliases: fc.uniqueArray(hostname, { maxLength: 5 }),
      gatewayPriority: fc.integer({ min: -1000, max: 1000 }),
      ports,
    },
    { requiredKeys: ['name', 'sandbox', 'network'] },
  )
  .map(({ name, namespace, ...spec }) => ({
    apiVersion: API,
    kind: 'Attachment' as const,
    metadata: namespace === undefined ? { name } : { name, namespace },
    spec: spec as Attachment['spec'],
  }));

export const anyGood = fc.oneof(network, sandbox, attachment);
