// Tenancy at the attachment reconciler: a namespace the Network does not admit never joins, one
// whose access is revoked is taken off the network (veth gone, address released, ports
// unpublished), and the agent's deny-unlisted policy applies. Plus file mode's one-node rule:
// two sandboxes naming different nodes cannot publish the same host port here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attachment, Network, Sandbox } from '../../../../api/v1alpha1/types.js';
import { hostVethName } from '../../../../controllers/model/names.js';
import { readyOf, startTestAgent } from '../../../helpers/engine.js';

const API = 'nodenet.io/v1alpha1' as const;
const net = (allowed?: string[]): Network => ({
  apiVersion: API,
  kind: 'Network',
  metadata: { name: 'front' },
  spec: { ipam: { ipv4: { subnet: '10.88.0.0/24' } }, ...(allowed ? { allowedNamespaces: allowed } : {}) },
});
const sandbox = (name: string, namespace: string, spec: Sandbox['spec'] = {}): Sandbox => ({ apiVersion: API, kind: 'Sandbox', metadata: { name, namespace }, spec });
const attach = (name: string, namespace: string, spec: Partial<Attachment['spec']> = {}): Attachment => ({
  apiVersion: API,
  kind: 'Attachment',
  metadata: { name, namespace },
  spec: { sandbox: name, network: 'front', ...spec },
});

test('a namespace the Network does not list never joins; the listed one does', async () => {
  const t = await startTestAgent([net(['team-a']), sandbox('a', 'team-a'), sandbox('b', 'team-b', { netns: { name: 'b' } }), attach('a', 'team-a'), attach('b', 'team-b')]);
  try {
    assert.match(readyOf(t.sink, 'Attachment/team-a/a')!, /^True:/);
    assert.match(readyOf(t.sink, 'Attachment/team-b/b')!, /^False:NamespaceNotAllowed namespace team-b may not join Network front \(allowedNamespaces: team-a\)/);
    const host = t.dp.snapshot()['']!;
    assert.ok(host.links.some((l) => l.name === hostVethName('Attachment/team-a/a')));
    assert.ok(!host.links.some((l) => l.name === hostVethName('Attachment/team-b/b')));
    assert.equal(t.dp.snapshot()['/run/netns/b']!.links.filter((l) => l.name === 'eth0').length, 0);
  } finally {
    await t.stop();
  }
});

test('revoking a namespace takes its attachment off the network: veth gone, address released, ports unpublished', async () => {
  const t = await startTestAgent([net(['team-a', 'team-b']), sandbox('b', 'team-b'), attach('b', 'team-b', { ports: [{ hostPort: 8080, containerPort: 80 }] })]);
  try {
    assert.match(readyOf(t.sink, 'Attachment/team-b/b')!, /^True:/);
    assert.equal(t.firewall.last()!.ports.length, 1);
    t.source.put(net(['team-a']));
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Attachment/team-b/b')!, /^False:NamespaceNotAllowed/);
    assert.ok(!t.dp.snapshot()['']!.links.some((l) => l.name === hostVethName('Attachment/team-b/b')), 'host veth removed');
    assert.ok(!t.dp.snapshot()['/run/netns/b']!.links.some((l) => l.name === 'eth0'), 'container end gone with it');
    assert.equal(t.ledger.get('attachments', 'Attachment/team-b/b'), undefined, 'forgotten');
    assert.deepEqual(t.ledger.allocations('front'), {}, 'address released');
    assert.deepEqual(t.firewall.last()!.ports, [], 'port unpublished');
  } finally {
    await t.stop();
  }
});

test("the agent's deny-unlisted policy: a Network without allowedNamespaces admits nobody", async () => {
  const t = await startTestAgent([net(), sandbox('a', 'default'), attach('a', 'default')], { config: { tenancy: { whenUnset: 'deny' } } });
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/a')!, /^False:NamespaceNotAllowed .*admits only listed namespaces/);
    assert.equal(t.dp.snapshot()['/run/netns/a']!.links.filter((l) => l.name !== 'lo').length, 0);
  } finally {
    await t.stop();
  }
});

test('file mode is one node: the same host port from sandboxes naming two nodes is a conflict, published once', async () => {
  const t = await startTestAgent([
    net(),
    sandbox('a', 'default', { nodeName: 'node-a' }),
    sandbox('b', 'default', { nodeName: 'node-b' }),
    attach('a', 'default', { ports: [{ hostPort: 8080, containerPort: 80 }] }),
    attach('b', 'default', { ports: [{ hostPort: 8080, containerPort: 80 }] }),
  ]);
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/a')!, /^True:/);
    assert.match(readyOf(t.sink, 'Attachment/default/b')!, /^False:Conflict spec\.ports\[0\]\.hostPort: host port 8080\/tcp on 0\.0\.0\.0 is already published by Attachment default\/a/);
    assert.deepEqual(t.firewall.last()!.ports.map((p) => p.hostPort), [8080]);
  } finally {
    await t.stop();
  }
});
