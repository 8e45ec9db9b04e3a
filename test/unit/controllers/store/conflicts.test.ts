// The store re-judges only the objects a batch can affect; its verdicts must always equal a
// complete validateCrossObject over every object. Random worlds with many collisions (shared
// netns names, host ports, interfaces, static addresses, timestamps that reorder winners).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Resource } from '../../../../api/v1alpha1/types.js';
import { crossResources } from '../../../../api/v1alpha1/cross-resources.js';
import { validateCrossObject, validateResource, type CrossObjectOptions } from '../../../../api/v1alpha1/validate.js';
import { DesiredStore, type DesiredObject } from '../../../../controllers/store/desired.js';
import { keyOf } from '../../../../controllers/store/keys.js';
import { attachment, network, sandbox } from '../../api/v1alpha1/fixtures.js';

const stamp = (i: number): string => `2024-05-0${1 + (i % 3)}T00:00:00Z`;

/** Small value ranges on purpose: collisions are what is being tested. */
const objectArb: fc.Arbitrary<Resource> = fc.oneof(
  fc.record({ n: fc.integer({ min: 0, max: 2 }), sub: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 3 }) }).map(({ n, sub, t }) => {
    const o = network(`net-${n}`, sub === 3 ? '10.0.0.0/8' : `10.${sub}.0.0/16`);
    if (t < 3) o.metadata.creationTimestamp = stamp(t);
    return o;
  }),
  fc.record({ s: fc.integer({ min: 0, max: 4 }), ns: fc.integer({ min: 0, max: 3 }), adopt: fc.boolean(), node: fc.boolean(), t: fc.integer({ min: 0, max: 3 }) }).map(({ s, ns, adopt, node, t }) => {
    // Adopting /run/netns/ns-N collides with the Sandbox creating ns-N there.
    const o = sandbox(`sb-${s}`, { netns: adopt ? { path: `/run/netns/ns-${ns}` } : { name: `ns-${ns}` }, ...(node ? { nodeName: 'node-b' } : {}) });
    if (t < 3) o.metadata.creationTimestamp = stamp(t);
    return o;
  }),
  fc
    .record({
      a: fc.integer({ min: 0, max: 7 }),
      s: fc.integer({ min: 0, max: 4 }),
      n: fc.integer({ min: 0, max: 2 }),
      iface: fc.integer({ min: 0, max: 1 }),
      ip: fc.option(fc.integer({ min: 2, max: 4 }), { nil: undefined }),
      port: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      range: fc.integer({ min: 0, max: 2 }),
      hostIP: fc.constantFrom(undefined, '0.0.0.0', '127.0.0.1', '192.168.1.1'),
      t: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ a, s, n, iface, ip, port, range, hostIP, t }) => {
      const o = attachment(`att-${a}`, {
        sandbox: `sb-${s}`,
        network: `net-${n}`,
        interface: `eth${iface}`,
        ...(ip !== undefined ? { ipv4Address: `10.${n}.0.${ip}` } : {}),
        ...(port !== undefined ? { ports: [{ hostPort: 8000 + port, hostPortEnd: 8000 + port + range, containerPort: 80, ...(hostIP ? { hostIP } : {}) }] } : {}),
      });
      if (t < 3) o.metadata.creationTimestamp = stamp(t);
      return o;
    }),
);

const validArb = objectArb.filter((o) => validateResource(o).errors.length === 0);

const wrap = (o: Resource): DesiredObject => ({ key: keyOf(o), object: o, origin: { source: 'test' }, specHash: JSON.stringify(o) });

function fullVerdicts(objects: Resource[], opts: CrossObjectOptions): Map<string, string> {
  return new Map(validateCrossObject(objects, opts).map((e) => [e.key, JSON.stringify(e.errors)]));
}

// Kube mode (per node) and file mode (one node, spec.nodeName ignored), as the agent configures them.
for (const [mode, opts] of [
  ['kube mode', {}],
  ['file mode', { ignoreNodeName: true, netnsDir: '/run/netns', tenancy: {} }],
] as [string, CrossObjectOptions][]) {
test(`incremental conflicts equal a complete re-judgement after every batch (${mode})`, () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ puts: fc.array(validArb, { maxLength: 4 }), dels: fc.array(fc.nat(20), { maxLength: 2 }) }), { minLength: 1, maxLength: 25 }),
      (batches) => {
        const store = new DesiredStore(
          (objs) => validateCrossObject(objs, opts),
          (obj) => crossResources(obj, opts),
        );
        const reported = new Set<string>();
        store.onChange((changes) => changes.forEach((c) => reported.add(c.key)));
        let before = new Map<string, string>();
        for (const b of batches) {
          const keys = store.keys();
          const dels = [...new Set(b.dels.map((i) => keys[i % Math.max(1, keys.length)]!).filter(Boolean))];
          const puts = new Map(b.puts.map((o) => [keyOf(o), o]));
          for (const d of dels) puts.delete(d);
          reported.clear();
          store.apply([...puts.values()].map(wrap), dels);
          const objects = store.keys().map((k) => store.get(k)!.object);
          const want = fullVerdicts(objects, opts);
          for (const k of store.keys()) {
            assert.equal(JSON.stringify(store.conflictsOf(k)), want.get(k) ?? '[]', `verdict of ${k}`);
            // Every object whose verdict moved is reported to listeners.
            if ((before.get(k) ?? '[]') !== (want.get(k) ?? '[]')) assert.ok(reported.has(k), `${k} changed verdict without a change event`);
          }
          before = want;
        }
      },
    ),
    { numRuns: 300 },
  );
});
}

test('a batch touching one attachment judges only what it can collide with', () => {
  let judged = 0;
  const counting = (objs: readonly Resource[]): ReturnType<typeof validateCrossObject> => {
    judged = objs.length;
    return validateCrossObject(objs);
  };
  const store = new DesiredStore(counting, crossResources);
  const objs: Resource[] = [network('net-0', '10.0.0.0/16')];
  for (let i = 0; i < 200; i++) {
    objs.push(sandbox(`sb-${i}`), attachment(`att-${i}`, { sandbox: `sb-${i}`, network: 'net-0', ports: [{ hostPort: 9000 + i, containerPort: 80 }] }));
  }
  store.apply(objs.map(wrap), []);
  assert.equal(judged, 401, 'the first batch judges everything');
  store.apply([wrap(sandbox('sb-new')), wrap(attachment('att-new', { sandbox: 'sb-new', network: 'net-0', ports: [{ hostPort: 9005, containerPort: 80 }] }))], []);
  // The network, the new pair, and att-5 (same host port) with its sandbox.
  assert.equal(judged, 5);
  assert.match(JSON.stringify(store.conflictsOf('Attachment/default/att-new')), /already published by Attachment default\/att-5/);
  store.apply([wrap(network('net-1', '10.1.0.0/16'))], []);
  assert.equal(judged, 404, 'a Network change judges everything again');
});
