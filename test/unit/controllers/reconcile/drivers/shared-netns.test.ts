// host and null networks against the fake kernel: no link at all; a host-network sandbox uses
// the node's namespace (and gives up one it had), a null one keeps loopback only; either must be
// the sandbox's only attachment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readyOf, startTestAgent } from '../../../../helpers/engine.js';
import { attach, net, sandbox } from '../../../../helpers/objects.js';

const HOST = net('hostnet', { driver: 'host' });
const NULL = net('nonet', { driver: 'null' });
const BRIDGE = net('br', { ipam: { ipv4: { subnet: '10.81.0.0/24' } } });

test('host: the sandbox reports the node\'s namespace, no namespace or link is made', async () => {
  const t = await startTestAgent([HOST, sandbox('h'), attach('h-host', 'h', 'hostnet', { ports: [{ hostPort: 80, containerPort: 80 }] })]);
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/h-host')!, /^True:/);
    const sb = t.sink.records.get('Sandbox/default/h')!.status;
    assert.equal(sb.hostNetwork, true);
    assert.match(String(sb.netnsPath), /^\/proc\/(1|\d+)\/ns\/net$/);
    const a = t.sink.records.get('Attachment/default/h-host')!.status;
    assert.equal(a.hostNetwork, true);
    assert.equal(a.interface, undefined);
    assert.equal((a.conditions as { type: string; reason: string }[]).find((c) => c.type === 'Degraded')?.reason, 'PortsNotPublished');
    const snap = t.dp.snapshot();
    assert.deepEqual(Object.keys(snap), [''], 'no namespace');
    assert.deepEqual(snap['']!.links.map((l) => l.name), ['lo'], 'no link');
  } finally {
    await t.stop();
  }
});

test('host: a sandbox that had its own namespace gives it up when it joins a host network, and gets it back after', async () => {
  const t = await startTestAgent([HOST, sandbox('h')]);
  try {
    assert.ok(t.dp.snapshot()['/run/netns/h'], 'own namespace first');
    t.source.put(attach('h-host', 'h', 'hostnet'));
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Attachment/default/h-host')!, /^True:/);
    assert.equal(t.dp.snapshot()['/run/netns/h'], undefined, 'namespace gone');
    t.source.remove('Attachment/default/h-host');
    await t.agent.settled();
    assert.ok(t.dp.snapshot()['/run/netns/h'], 'own namespace again');
    assert.equal(t.sink.records.get('Sandbox/default/h')!.status.hostNetwork, undefined);
  } finally {
    await t.stop();
  }
});

test('null: the sandbox keeps its namespace with loopback only', async () => {
  const t = await startTestAgent([NULL, sandbox('n'), attach('n-none', 'n', 'nonet')]);
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/n-none')!, /^True:/);
    assert.equal(t.sink.records.get('Attachment/default/n-none')!.status.loopbackOnly, true);
    const ns = t.dp.snapshot()['/run/netns/n']!;
    assert.deepEqual(ns.links.map((l) => `${l.name}:${l.up}`), ['lo:true']);
    const before = t.dp.opCount();
    t.agent.enqueueAll();
    await t.agent.settled();
    assert.equal(t.dp.opCount() - before, 0);
  } finally {
    await t.stop();
  }
});

test('host/null must be the sandbox\'s only attachment: the younger attachment loses', async () => {
  const older = attach('x-null', 'x', 'nonet');
  older.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  const younger = attach('x-br', 'x', 'br');
  younger.metadata.creationTimestamp = '2026-01-02T00:00:00Z';
  const t = await startTestAgent([NULL, BRIDGE, sandbox('x'), older, younger]);
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/x-null')!, /^True:/);
    assert.match(readyOf(t.sink, 'Attachment/default/x-br')!, /^False:Conflict spec.network: Sandbox default\/x is on network nonet through Attachment default\/x-null, which must be its only attachment/);
    assert.deepEqual(t.dp.snapshot()['/run/netns/x']!.links.map((l) => l.name), ['lo']);
  } finally {
    await t.stop();
  }
});
