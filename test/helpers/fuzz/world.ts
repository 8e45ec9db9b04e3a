// A generated node: good Networks, Sandboxes and Attachments that fit together (older), and bad
// declarations that are each wrong on their own (younger, so they always lose a conflict): invalid
// documents, hostile texts, conflicts (duplicate join, interface, static address, port, subnet,
// bridge name, netns), tenancy denials and namespace-path attacks (a path that opens the agent's
// own namespace, a missing one, the namespace nodenet made for another sandbox).
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { Attachment, Network, Resource, Sandbox } from '../../../api/v1alpha1/types.js';
import { bridgeNameFor, netnsNameFor } from '../../../api/v1alpha1/defaults.js';
import * as good from './objects.js';
import { badObject } from './mutations.js';
import { hostileText } from './texts.js';

const OLD = '2020-01-01T00:00:00Z';
const YOUNG = '2030-01-01T00:00:00Z';
const API = 'nodenet.io/v1alpha1' as const;

export interface BadDoc {
  intent: string;
  /** Manifest text, as a file would hold it. */
  text: string;
}

export interface World {
  good: Resource[];
  bad: BadDoc[];
  /** Paths that are foreign namespaces (a process's /proc/PID/ns/net). */
  external: string[];
  /** Paths that open the agent's own namespace (a host process's /proc/PID/ns/net). */
  agentAliases: string[];
}

interface Shape {
  networks: { name: string; allowed: boolean; bridge: Network['spec']['bridge'] }[];
  sandboxes: { name: string; adopt: boolean; spec: Sandbox['spec'] }[];
  joins: { s: number; n: number; staticIp: boolean; port: boolean; aliases: string[] }[];
}

const shape: fc.Arbitrary<Shape> = fc.record({
  networks: fc.uniqueArray(
    fc.record({ name: good.label, allowed: fc.boolean(), bridge: fc.option(fc.record({ mtu: fc.integer({ min: 1280, max: 9000 }), enableICC: fc.boolean(), internal: fc.boolean() }), { nil: undefined }) }),
    { minLength: 1, maxLength: 3, selector: (n) => n.name },
  ),
  sandboxes: fc.uniqueArray(
    fc.record({ name: good.label, adopt: fc.boolean(), spec: good.sandbox.map((s) => ({ ...s.spec, netns: undefined })) }),
    { minLength: 1, maxLength: 4, selector: (s) => s.name },
  ),
  joins: fc.array(fc.record({ s: fc.nat(), n: fc.nat(), staticIp: fc.boolean(), port: fc.boolean(), aliases: fc.uniqueArray(good.hostname, { maxLength: 2 }) }), { maxLength: 6 }),
});

const meta = (name: string, namespace: string | undefined, ts: string): Resource['metadata'] =>
  namespace === undefined ? { name, creationTimestamp: ts } : { name, namespace, creationTimestamp: ts };

function buildGood(s: Shape, external: string[]): { good: Resource[]; atts: Attachment[] } {
  const nets: Network[] = s.networks.map((n, i) => ({
    apiVersion: API,
    kind: 'Network',
    metadata: meta(n.name, undefined, OLD),
    spec: { ipam: { ipv4: { subnet: `10.${100 + i}.0.0/24` } }, ...(n.bridge ? { bridge: n.bridge } : {}), ...(n.allowed ? { allowedNamespaces: ['default'] } : {}) },
  }));
  const sbs: Sandbox[] = s.sandboxes.map((x, i) => {
    const path = `/proc/${1000 + i}/ns/net`;
    if (x.adopt) external.push(path);
    return { apiVersion: API, kind: 'Sandbox', metadata: meta(x.name, 'default', OLD), spec: { ...x.spec, netns: x.adopt ? { path } : undefined } };
  });
  for (const sb of sbs) if (sb.spec.netns === undefined) delete sb.spec.netns;
  const seen = new Set<string>();
  const atts: Attachment[] = [];
  s.joins.forEach((j, i) => {
    const sb = sbs[j.s % sbs.length]!;
    const net = nets[j.n % nets.length]!;
    const id = `${sb.metadata.name}/${net.metadata.name}`;
    if (seen.has(id)) return;
    seen.add(id);
    const ifIndex = atts.filter((a) => a.spec.sandbox === sb.metadata.name).length;
    const spec: Attachment['spec'] = { sandbox: sb.metadata.name, network: net.metadata.name, interface: `eth${ifIndex}` };
    if (j.staticIp) spec.ipv4Address = `10.${100 + nets.indexOf(net)}.0.${20 + i}`;
    if (j.port) spec.ports = [{ hostPort: 18000 + i, containerPort: 80 }];
    if (j.aliases.length) spec.aliases = j.aliases;
    atts.push({ apiVersion: API, kind: 'Attachment', metadata: meta(`a${i}`, 'default', OLD), spec });
  });
  return { good: [...nets, ...sbs, ...atts], atts };
}

type Maker = (w: { good: Resource[]; atts: Attachment[]; i: number; external: string[]; aliases: string[] }) => Resource | undefined;

const att = (name: string, namespace: string, spec: Attachment['spec']): Attachment => ({ apiVersion: API, kind: 'Attachment', metadata: meta(name, namespace, YOUNG), spec });
const sbx = (name: string, namespace: string, spec: Sandbox['spec']): Sandbox => ({ apiVersion: API, kind: 'Sandbox', metadata: meta(name, namespace, YOUNG), spec });
const first = <K extends Resource['kind']>(objs: Resource[], kind: K): Extract<Resource, { kind: K }> | undefined => objs.find((o) => o.kind === kind) as never;

/** Object-level bad declarations, each refused or made inert on its own. */
const MAKERS: Record<string, Maker> = {
  'dup-join': ({ atts, i }) => atts[0] && att(`bad-join-${i}`, 'default', { ...atts[0].spec, interface: 'ethz' }),
  'dup-interface': ({ atts, good, i }) => {
    const a = atts[0];
    const other = good.find((o) => o.kind === 'Network' && o.metadata.name !== a?.spec.network);
    return a && other && att(`bad-if-${i}`, 'default', { sandbox: a.spec.sandbox, network: other.metadata.name, interface: a.spec.interface! });
  },
  'dup-static-ip': ({ atts, good, i }) => {
    const a = atts.find((x) => x.spec.ipv4Address);
    const sb = good.find((o) => o.kind === 'Sandbox' && o.metadata.name !== a?.spec.sandbox);
    return a && sb && att(`bad-ip-${i}`, 'default', { sandbox: sb.metadata.name, network: a.spec.network, interface: 'ethy', ipv4Address: a.spec.ipv4Address! });
  },
  'port-clash': ({ atts, good, i }) => {
    const a = atts.find((x) => x.spec.ports?.length);
    const sb = good.find((o) => o.kind === 'Sandbox' && o.metadata.name !== a?.spec.sandbox);
    return a && sb && att(`bad-port-${i}`, 'default', { sandbox: sb.metadata.name, network: a.spec.network, interface: 'ethx', ports: [{ ...a.spec.ports![0]! }] });
  },
  'subnet-overlap': ({ good, i }) => {
    const n = first(good, 'Network');
    return n && { apiVersion: API, kind: 'Network', metadata: meta(`bad-subnet-${i}`, undefined, YOUNG), spec: { ipam: { ipv4: { subnet: n.spec.ipam!.ipv4!.subnet.replace(/\/24$/, '/25') } } } };
  },
  'bridge-clash': ({ good, i }) => {
    const n = first(good, 'Network');
    return n && { apiVersion: API, kind: 'Network', metadata: meta(`bad-bridge-${i}`, undefined, YOUNG), spec: { bridge: { name: n.spec.bridge?.name ?? bridgeNameFor(n.metadata.name) }, ipam: { ipv4: { subnet: `10.${200 + i}.0.0/24` } } } };
  },
  'netns-clash': ({ good, i }) => {
    const s = good.find((o): o is Sandbox => o.kind === 'Sandbox' && !o.spec.netns);
    return s && sbx(`bad-netns-${i}`, 'team-b', { netns: { name: netnsNameFor(s.metadata.name) } });
  },
  'adopt-created': ({ good, i }) => {
    const s = good.find((o): o is Sandbox => o.kind === 'Sandbox' && !o.spec.netns);
    return s && sbx(`bad-adopt-${i}`, 'default', { netns: { path: `/run/netns/${netnsNameFor(s.metadata.name)}` } });
  },
  'adopt-agent': ({ aliases, i }) => {
    const path = `/proc/${5000 + i}/ns/net`;
    aliases.push(path);
    return sbx(`bad-host-${i}`, 'default', { netns: { path } });
  },
  'adopt-missing': ({ i }) => sbx(`bad-missing-${i}`, 'default', { netns: { path: `/proc/${6000 + i}/ns/net` } }),
  'tenancy': ({ good, i }) => {
    const n = good.find((o): o is Network => o.kind === 'Network' && !!o.spec.allowedNamespaces);
    return n && att(`bad-tenant-${i}`, 'team-x', { sandbox: 'web', network: n.metadata.name });
  },
  'attach-to-refused': ({ good, aliases, i }) => {
    const n = first(good, 'Network');
    const path = `/proc/${7000 + i}/ns/net`;
    aliases.push(path);
    return n && att(`bad-via-${i}`, 'team-h', { sandbox: 'host', network: n.metadata.name });
  },
};

const badKind = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...Object.keys(MAKERS)).map((intent) => ({ intent })) },
  { weight: 1, arbitrary: badObject.map((m) => ({ intent: `invalid ${m.mutation}`, text: stringify(m.obj) })) },
  { weight: 1, arbitrary: hostileText.map((h) => ({ intent: `hostile ${h.kind}`, text: h.text })) },
);

/** A generated node with between minBad and maxBad bad declarations. */
export function worldWith(opts: { minBad: number; maxBad: number }): fc.Arbitrary<World> {
  return fc.tuple(shape, fc.array(badKind, { minLength: opts.minBad, maxLength: opts.maxBad })).map(([s, bads]) => build(s, bads));
}

function build(s: Shape, bads: ({ intent: string; text?: string })[]): World {
  const external: string[] = [];
  const agentAliases: string[] = [];
  const { good: goodObjs, atts } = buildGood(s, external);
  const bad: BadDoc[] = [];
  bads.forEach((b, i) => {
    if (b.text !== undefined) return void bad.push({ intent: b.intent, text: b.text });
    const obj = MAKERS[b.intent]!({ good: goodObjs, atts, i, external, aliases: agentAliases });
    if (!obj) return;
    // The refused sandbox the "attach-to-refused" attachment points at.
    if (b.intent === 'attach-to-refused') bad.push({ intent: 'adopt-agent', text: stringify(sbx('host', 'team-h', { netns: { path: agentAliases.at(-1)! } })) });
    bad.push({ intent: b.intent, text: stringify(obj) });
  });
  return { good: goodObjs, bad, external, agentAliases };
}

export const world: fc.Arbitrary<World> = worldWith({ minBad: 1, maxBad: 6 });
