// The owned-objects lists against the in-memory kernel the engine converged: every listed link,
// address and route exists as listed, every marked link is listed, and the firewall parts of all
// objects plus the node's shared part are exactly the ruleset the firewall renders, each rule and
// element listed once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestAgent, type TestAgent } from '../../../helpers/engine.js';
import { parseManifestFile } from '../../../../controllers/source/file/parse.js';
import type { OwnedObjects } from '../../../../controllers/ownership/types.js';
import { sharedFirewallObjects } from '../../../../controllers/ownership/firewall.js';
import { desiredRuleset } from '../../../../controllers/dataplane/firewall/render.js';
import { isOurMarker } from '../../../../controllers/model/names.js';
import { FIXTURES } from '../explain/world.js';

let t: TestAgent;
before(async () => {
  const file = join(FIXTURES, 'objects.yaml');
  t = await startTestAgent(parseManifestFile(file, readFileSync(file, 'utf8')).objects.map((o) => o.object));
});
after(async () => {
  await t.stop();
});

function owned(): Map<string, OwnedObjects> {
  return new Map([...t.sink.records.entries()].map(([k, r]) => [k, (r.status as { owned?: OwnedObjects }).owned ?? {}]));
}

function inNs<T>(ns: string | undefined, fn: (s: ReturnType<TestAgent['dp']['session']>) => T): T {
  const s = t.dp.session(ns);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

test('every object reports what it owns', () => {
  const o = owned();
  assert.equal(o.size, 17);
  for (const [k, v] of o) assert.ok(v.links?.length || v.netns, `${k} lists something`);
  assert.deepEqual(o.get('Sandbox/default/web-1')!.netns, { path: '/run/netns/web-1', created: true });
  assert.deepEqual(o.get('Network/frontend')!.addresses, [{ address: '10.88.0.1/24', dev: 'nn-frontend' }]);
  assert.deepEqual(o.get('Attachment/default/web-1-frontend')!.nftables!.elements, [
    { set: 'dnat4_any', key: 'tcp . 8080' },
    { set: 'published4', key: '10.88.0.2 . tcp . 80' },
  ]);
  assert.equal(o.get('Attachment/default/web-1-backend')!.routes!.length, 0, 'the backend attachment gives no default route');
});

test('every listed link, address and route exists in the kernel as listed', () => {
  for (const [key, o] of owned()) {
    for (const l of o.links ?? []) {
      const k = inNs(l.netns, (s) => s.getLink(l.name));
      assert.equal(k?.index, l.ifindex, `${key}: ${l.name} in ${l.netns ?? 'host'}`);
      if (l.master) assert.equal(k!.master, inNs(undefined, (s) => s.getLink(l.master!))!.index);
    }
    for (const a of o.addresses ?? []) {
      const [addr, len] = a.address.split('/');
      const found = inNs(a.netns, (s) => s.listAddrs().some((x) => x.address === addr && x.prefixLen === Number(len) && s.getLinkByIndex(x.index)?.name === a.dev));
      assert.ok(found, `${key}: ${a.address} on ${a.dev}`);
    }
    for (const r of o.routes ?? []) {
      const found = inNs(r.netns, (s) => s.listRoutes({ family: r.family }).some((x) => x.dst === r.dst && x.gateway === r.via && s.getLinkByIndex(x.oif ?? -1)?.name === r.dev));
      assert.ok(found, `${key}: route ${r.dst} via ${r.via}`);
    }
  }
});

test('every link that carries our marker is listed by some object', () => {
  const listed = new Set([...owned().values()].flatMap((o) => (o.links ?? []).map((l) => `${l.netns ?? 'host'}|${l.name}|${l.ifindex}`)));
  const paths = [undefined, ...t.dp.listNetns('/run/netns')];
  let marked = 0;
  for (const ns of paths) {
    for (const l of inNs(ns, (s) => s.listLinks())) {
      if (!isOurMarker(l.alias)) continue;
      marked++;
      assert.ok(listed.has(`${ns ?? 'host'}|${l.name}|${l.index}`), `${l.name} in ${ns ?? 'host'} is listed`);
    }
  }
  assert.equal(marked, 4 + 7 * 2 + 6, 'bridges, veth pairs, sandbox loopbacks');
});

test('objects plus the node own exactly the rendered ruleset, each rule and element once', () => {
  const model = t.firewall.last()!;
  const rs = desiredRuleset(model);
  const want = [
    ...rs.chains.flatMap((c) => c.rules.map((r) => `rule ${c.name} ${r.id}`)),
    ...rs.sets.flatMap((s) => [...s.elements.keys()].map((k) => `element ${s.name} ${k}`)),
  ].sort();
  const parts = [...owned().values()].map((o) => o.nftables).concat(sharedFirewallObjects(model));
  const got = parts
    .flatMap((n) => [...(n?.rules ?? []).map((r) => `rule ${r.chain} ${r.id}`), ...(n?.elements ?? []).map((e) => `element ${e.set} ${e.key}`)])
    .sort();
  assert.deepEqual(got, want);
  const chains = parts.flatMap((n) => n?.chains ?? []).sort();
  assert.deepEqual(chains, rs.chains.map((c) => c.name).sort());
});
