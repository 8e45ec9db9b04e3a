// The whole engine against the fake dataplane: convergence, idempotence, edits, deletion,
// restarts, conflicts and garbage collection, as seen in the (fake) kernel and in status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attachment, Network, Resource } from '../../../../api/v1alpha1/types.js';
import { exampleObjects, readyOf, startTestAgent, MemoryStatusSink } from '../../../helpers/engine.js';
import { hostVethName } from '../../../../controllers/model/names.js';

const byKey = (objs: Resource[], kind: string, name: string): Resource => objs.find((o) => o.kind === kind && o.metadata.name === name)!;

test('the shipped examples converge: every object Ready, links, addresses and routes in place', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    for (const key of t.sink.records.keys()) assert.match(readyOf(t.sink, key)!, /^True:/, key);
    assert.equal(t.sink.records.size, 9);
    const snap = t.dp.snapshot();
    const host = snap['']!;
    const names = host.links.map((l) => l.name);
    assert.ok(names.includes('nn-frontend') && names.includes('nn-backend'));
    assert.ok(host.addrs.some((a) => a.address === '10.88.0.1' && a.prefixLen === 24));
    const web1 = snap['/run/netns/web-1']!;
    assert.deepEqual(web1.links.map((l) => l.name).sort(), ['eth0', 'eth1', 'lo']);
    const defaults = web1.routes.filter((r) => r.dst === 'default');
    assert.equal(defaults.length, 1, 'one default route');
    assert.equal(defaults[0]!.gateway, '10.88.0.1', 'via frontend (higher gatewayPriority)');
    const db = snap['/run/netns/db-1']!;
    assert.ok(db.addrs.some((a) => a.address === '10.89.0.10'), 'static address');
    assert.equal(db.routes.filter((r) => r.dst === 'default').length, 0, 'internal network gives no default route');
    const eth0 = web1.links.find((l) => l.name === 'eth0')!;
    const ip = (t.sink.records.get('Attachment/default/web-1-frontend')!.status.ipv4Address as string).split('/')[0]!;
    assert.equal(eth0.mac, '02:42:' + ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':'), 'Docker-style MAC');
    const fw = t.firewall.last()!;
    assert.deepEqual(fw.ports.map((p) => `${p.hostIP}:${p.hostPort}->${p.containerIP}:${p.containerPort}/${p.protocol}`), [`0.0.0.0:8080->${ip}:80/tcp`]);
    assert.deepEqual(fw.networks.map((n) => `${n.name}:${n.internal}:${n.masquerade}`).sort(), ['backend:true:false', 'frontend:false:true']);
  } finally {
    await t.stop();
  }
});

test('a second full pass changes nothing in the kernel (idempotent)', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    const before = t.dp.opCount();
    const writes = t.sink.writes;
    t.agent.enqueueAll();
    await t.agent.settled();
    assert.equal(t.dp.opCount() - before, 0, 'no kernel ops on the second pass');
    assert.equal(t.sink.writes - writes, 0, 'no status rewrites');
  } finally {
    await t.stop();
  }
});

test('editing a static IP moves the address; the old one is released', async () => {
  const objs = exampleObjects();
  const t = await startTestAgent(objs);
  try {
    const db = structuredClone(byKey(objs, 'Attachment', 'db-1-backend')) as Attachment;
    db.spec.ipv4Address = '10.89.0.20';
    t.source.put(db);
    await t.agent.settled();
    const addrs = t.dp.snapshot()['/run/netns/db-1']!.addrs.filter((a) => a.family === 4 && a.address !== '127.0.0.1').map((a) => a.address);
    assert.deepEqual(addrs, ['10.89.0.20']);
    assert.equal(t.ledger.allocations('backend')['10.89.0.10'], undefined);
    assert.equal(t.ledger.allocations('backend')['10.89.0.20'], 'Attachment/default/db-1-backend');
    assert.equal(t.sink.records.get('Attachment/default/db-1-backend')!.status.observedGeneration, 2);
  } finally {
    await t.stop();
  }
});

test('deleting everything leaves no link, namespace, allocation or ledger entry behind', async () => {
  const objs = exampleObjects();
  const t = await startTestAgent(objs);
  try {
    t.source.remove(...objs.map((o) => (o.kind === 'Network' ? `Network/${o.metadata.name}` : `${o.kind}/default/${o.metadata.name}`)));
    await t.agent.settled();
    const snap = t.dp.snapshot();
    assert.deepEqual(Object.keys(snap), ['']);
    assert.deepEqual(snap['']!.links.map((l) => l.name), ['lo']);
    assert.deepEqual(t.ledger.snapshot(), { version: 1, networks: {}, sandboxes: {}, attachments: {}, allocations: {} });
    assert.equal(t.sink.records.size, 0);
    assert.equal(t.firewall.removed, true, 'no networks: our tables are removed');
  } finally {
    await t.stop();
  }
});

test('a restarted agent keeps every address and changes nothing', async () => {
  const objs = exampleObjects();
  const first = await startTestAgent(objs);
  const addresses = [...first.sink.records.entries()].filter(([k]) => k.startsWith('Attachment/')).map(([k, r]) => `${k}=${String(r.status.ipv4Address)}`).sort();
  await first.stop();
  const ops = first.dp.opCount();
  const second = await startTestAgent(objs, { dp: first.dp, sink: first.sink, ledger: first.ledger });
  try {
    const again = [...second.sink.records.entries()].filter(([k]) => k.startsWith('Attachment/')).map(([k, r]) => `${k}=${String(r.status.ipv4Address)}`).sort();
    assert.deepEqual(again, addresses);
    assert.equal(first.dp.opCount() - ops, 0, 'restart made no kernel change');
  } finally {
    await second.stop();
  }
});

test('conflicts are reported in status and nothing of the loser reaches the kernel', async () => {
  const objs = exampleObjects();
  const clash = structuredClone(byKey(objs, 'Attachment', 'db-1-backend')) as Attachment;
  clash.metadata.name = 'db-2-backend';
  clash.spec.sandbox = 'web-2';
  clash.spec.aliases = [];
  const t = await startTestAgent([...objs, clash]);
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/db-2-backend')!, /^False:Conflict .*10\.89\.0\.10.*db-1-backend/);
    assert.match(readyOf(t.sink, 'Attachment/default/db-1-backend')!, /^True:/);
    assert.equal(t.dp.snapshot()['']!.links.some((l) => l.name === hostVethName('Attachment/default/db-2-backend')), false);
  } finally {
    await t.stop();
  }
});

test('an attachment waits for its network and converges when it appears', async () => {
  const objs = exampleObjects();
  const withoutBackend = objs.filter((o) => !(o.kind === 'Network' && o.metadata.name === 'backend'));
  const t = await startTestAgent(withoutBackend);
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/db-1-backend')!, /^False:NetworkNotFound/);
    t.source.put(byKey(objs, 'Network', 'backend'));
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Attachment/default/db-1-backend')!, /^True:/);
  } finally {
    await t.stop();
  }
});

test('a foreign device with the bridge name is a conflict and is left alone', async () => {
  const { createFakeDataplane } = await import('../../../../controllers/dataplane/fake.js');
  const dp = createFakeDataplane();
  dp.outOfBand(undefined, [{ op: 'link.add', link: { kind: 'bridge', name: 'nn-frontend', mtu: 9000 } }]);
  const t = await startTestAgent(exampleObjects(), { dp });
  try {
    assert.match(readyOf(t.sink, 'Network/frontend')!, /^False:Conflict device nn-frontend already exists/);
    const br = dp.snapshot()['']!.links.find((l) => l.name === 'nn-frontend')!;
    assert.equal(br.mtu, 9000);
    assert.equal(br.alias, undefined);
    assert.match(readyOf(t.sink, 'Attachment/default/web-2-frontend')!, /^False:NetworkNotReady/);
  } finally {
    await t.stop();
  }
});

test('start-up garbage collection removes marked leftovers the ledger does not know, nothing else', async () => {
  const { createFakeDataplane } = await import('../../../../controllers/dataplane/fake.js');
  const dp = createFakeDataplane();
  dp.outOfBand(undefined, [
    { op: 'link.add', link: { kind: 'bridge', name: 'nn-old', alias: 'nodenet:Network/old' } },
    { op: 'link.add', link: { kind: 'bridge', name: 'docker0' } },
    { op: 'netns.add', path: '/run/netns/leftover' },
  ]);
  dp.outOfBand('/run/netns/leftover', [{ op: 'link.set', ref: { name: 'lo' }, alias: 'nodenet:Sandbox/default/leftover' }]);
  dp.outOfBand(undefined, [{ op: 'netns.add', path: '/run/netns/someone-elses' }]);
  const t = await startTestAgent([], { dp });
  try {
    const snap = dp.snapshot();
    const names = snap['']!.links.map((l) => l.name);
    assert.ok(!names.includes('nn-old'));
    assert.ok(names.includes('docker0'));
    assert.ok(!('/run/netns/leftover' in snap));
    assert.ok('/run/netns/someone-elses' in snap);
  } finally {
    await t.stop();
  }
});

test('a failure part-way undoes the step and reports the error; the retry converges', async () => {
  const { createFakeDataplane } = await import('../../../../controllers/dataplane/fake.js');
  const dp = createFakeDataplane();
  const clear = dp.failWhen((op) => (op.op === 'addr.add' && op.address === '10.89.0.10' ? 28 : undefined));
  const objs = exampleObjects();
  const t = await startTestAgent(objs, { dp });
  try {
    assert.doesNotMatch(readyOf(t.sink, 'Attachment/default/db-1-backend') ?? '', /^True/, 'not Ready while failing');
    const veth = hostVethName('Attachment/default/db-1-backend');
    assert.equal(dp.snapshot()['']!.links.some((l) => l.name === veth), false, 'the half-built veth was undone');
    clear();
    await new Promise((r) => setTimeout(r, 300));
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Attachment/default/db-1-backend')!, /^True:/);
  } finally {
    await t.stop();
  }
});

test('gateway election follows gatewayPriority edits', async () => {
  const objs = exampleObjects();
  const t = await startTestAgent(objs);
  try {
    const backend = structuredClone(byKey(objs, 'Network', 'backend')) as Network;
    backend.spec.bridge = { ...backend.spec.bridge, internal: false };
    const wb = structuredClone(byKey(objs, 'Attachment', 'web-1-backend')) as Attachment;
    wb.spec.gatewayPriority = 50;
    t.source.put(backend, wb);
    await t.agent.settled();
    const defaults = t.dp.snapshot()['/run/netns/web-1']!.routes.filter((r) => r.dst === 'default');
    assert.deepEqual(defaults.map((r) => r.gateway), ['10.89.0.1']);
  } finally {
    await t.stop();
  }
});

void MemoryStatusSink;

test('a namespace created but not yet marked when the agent died is removed by the ledger\'s record; a used unmarked one is left alone', async () => {
  const { createFakeDataplane } = await import('../../../../controllers/dataplane/fake.js');
  const { Ledger } = await import('../../../../controllers/state/ledger.js');
  const dp = createFakeDataplane();
  // What a kill between "create namespace" and "mark its loopback" leaves: the ledger recorded
  // the creation first, the namespace holds only a down, unmarked lo.
  dp.outOfBand(undefined, [{ op: 'netns.add', path: '/run/netns/crashed' }, { op: 'netns.add', path: '/run/netns/reused' }]);
  // The same record, but somebody has since put the namespace to use: not provably ours.
  dp.outOfBand('/run/netns/reused', [{ op: 'link.set', ref: { name: 'lo' }, up: true }]);
  const ledger = Ledger.memory();
  ledger.set('sandboxes', 'Sandbox/default/crashed', { netnsPath: '/run/netns/crashed', created: true });
  ledger.set('sandboxes', 'Sandbox/default/reused', { netnsPath: '/run/netns/reused', created: true });
  await ledger.commit();
  const t = await startTestAgent([], { dp, ledger });
  try {
    const snap = dp.snapshot();
    assert.ok(!('/run/netns/crashed' in snap), 'the half-made namespace is gone');
    assert.ok('/run/netns/reused' in snap, 'an unmarked namespace in use is not deleted');
    assert.equal(ledger.get('sandboxes', 'Sandbox/default/crashed'), undefined);
    assert.equal(ledger.get('sandboxes', 'Sandbox/default/reused'), undefined, 'both records are dropped');
  } finally {
    await t.stop();
  }
});
