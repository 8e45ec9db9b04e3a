// What a node makes of the cluster's objects: scoping (sandboxes by node, attachments through
// their sandbox, networks by node labels), the finalizer gate, invalid and not-allowed objects,
// the last valid version, and what must be let go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeView, selectsNode, type ViewInput } from '../../../../../controllers/source/kube/select.js';
import { finalizerFor } from '../../../../../controllers/source/kube/finalizers.js';
import { admitAttachment } from '../../../../../controllers/source/kube/tenancy.js';
import type { KubeObject } from '../../../../../controllers/source/kube/resources.js';
import type { DesiredObject } from '../../../../../controllers/store/desired.js';

const F = finalizerFor('node-a');

function obj(kind: string, name: string, spec: unknown, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'nodenet.io/v1alpha1',
    kind,
    metadata: { name, uid: `uid-${name}`, generation: 1, creationTimestamp: '2026-01-01T00:00:00Z', finalizers: [F], ...(kind === 'Network' ? {} : { namespace: 'default' }), ...meta },
    spec,
    status: { conditions: [] },
  };
}

const net = (name: string, extra: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject =>
  obj('Network', name, { ipam: { ipv4: { subnet: `10.${60 + name.length}.0.0/24` } }, ...extra }, meta);
const sb = (name: string, node = 'node-a', meta: Partial<KubeObject['metadata']> = {}): KubeObject => obj('Sandbox', name, { nodeName: node }, meta);
const att = (name: string, sandbox: string, network: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject =>
  obj('Attachment', name, { sandbox, network }, meta);

function input(o: Partial<ViewInput>): ViewInput {
  return {
    node: 'node-a',
    nodeLabels: { zone: 'a' },
    finalizer: F,
    networks: [],
    sandboxes: [],
    attachments: [],
    current: () => undefined,
    admit: admitAttachment,
    ...o,
  };
}

test('nodeSelector: every listed label must match; none means every node', () => {
  assert.equal(selectsNode(undefined, {}), true);
  assert.equal(selectsNode({}, {}), true);
  assert.equal(selectsNode({ zone: 'a' }, { zone: 'a', x: 'y' }), true);
  assert.equal(selectsNode({ zone: 'a', disk: 'ssd' }, { zone: 'a' }), false);
  assert.equal(selectsNode({ zone: 'b' }, { zone: 'a' }), false);
});

test('scope: this node\'s sandboxes, attachments of those sandboxes, networks selecting its labels', () => {
  const v = computeView(
    input({
      networks: [net('all'), net('zone-a', { nodeSelector: { zone: 'a' } }), net('zone-b', { nodeSelector: { zone: 'b' } })],
      sandboxes: [sb('mine'), sb('theirs', 'node-b')],
      attachments: [att('m1', 'mine', 'all'), att('t1', 'theirs', 'all'), att('orphan', 'nowhere', 'all'), att('other-ns', 'mine', 'all', { namespace: 'team-x' })],
    }),
  );
  assert.deepEqual([...v.desired.keys()].sort(), ['Attachment/default/m1', 'Network/all', 'Network/zone-a', 'Sandbox/default/mine']);
  assert.deepEqual([...v.mine].sort(), [...v.desired.keys()].sort());
  const d = v.desired.get('Attachment/default/m1')!;
  assert.equal(d.object.metadata.generation, 1);
  assert.equal(d.origin.source, 'kube');
  assert.equal((d.object as { status?: unknown }).status, undefined, 'status stripped');
  assert.deepEqual(Object.keys(d.object.metadata).sort(), ['creationTimestamp', 'generation', 'name', 'namespace', 'uid']);
});

test('finalizer gate: a valid object without this node\'s finalizer waits for it; a realized one keeps going while it is put back', () => {
  const fresh = sb('fresh', 'node-a', { finalizers: [] });
  const realized = sb('realized', 'node-a', { finalizers: ['other.io/keep'] });
  const prev: DesiredObject = { key: 'Sandbox/default/realized', object: { apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name: 'realized', namespace: 'default', uid: 'uid-realized' }, spec: { nodeName: 'node-a' } }, origin: { source: 'kube' }, specHash: 'x' };
  const v = computeView(input({ sandboxes: [fresh, realized], current: (k) => (k === prev.key ? prev : undefined) }));
  assert.deepEqual(v.needFinalizer.map((e) => e.key).sort(), ['Sandbox/default/fresh', 'Sandbox/default/realized']);
  assert.deepEqual([...v.desired.keys()], ['Sandbox/default/realized']);
});

test('deleting, or no longer this node\'s: out of the desired set; with this node\'s finalizer it is to be released', () => {
  const v = computeView(
    input({
      networks: [net('gone', {}, { deletionTimestamp: '2026-01-02T00:00:00Z', finalizers: [F, finalizerFor('node-b')] }), net('moved', { nodeSelector: { zone: 'b' } })],
      sandboxes: [sb('leaving', 'node-b')],
    }),
  );
  assert.deepEqual([...v.desired.keys()], []);
  assert.deepEqual(v.release.map((e) => e.key).sort(), ['Network/gone', 'Network/moved', 'Sandbox/default/leaving']);
  assert.deepEqual(v.foreignFinalizers.map((e) => e.key), ['Network/gone'], 'node-b\'s finalizer on a deleting object');
});

test('invalid: a new object is the source\'s problem (InvalidSpec); a newer invalid version of a realized one keeps the last valid version', () => {
  const bad = obj('Sandbox', 'bad', { nodeName: 'node-a', netns: { path: '/proc/1/ns/net' } });
  const v1 = computeView(input({ sandboxes: [bad] }));
  assert.equal(v1.desired.size, 0);
  assert.equal(v1.problems.get('Sandbox/default/bad')?.reason, 'InvalidSpec');
  assert.match(v1.problems.get('Sandbox/default/bad')!.message, /^spec\.netns\.path: .*host's own namespace/);

  const good = computeView(input({ sandboxes: [sb('bad')] })).desired.get('Sandbox/default/bad')!;
  const v2 = computeView(input({ sandboxes: [{ ...bad, metadata: { ...bad.metadata, generation: 2 } }], current: () => good }));
  assert.equal(v2.desired.get('Sandbox/default/bad'), good, 'last valid version stays');
  assert.match(v2.degraded.get('Sandbox/default/bad')!, /spec\.netns\.path/);
  assert.equal(v2.problems.size, 0);

  const recreated = { ...bad, metadata: { ...bad.metadata, uid: 'another-uid' } };
  const v3 = computeView(input({ sandboxes: [recreated], current: () => good }));
  assert.equal(v3.desired.size, 0, 'a new object of the same name does not inherit the old one\'s last valid version');
  assert.equal(v3.problems.get('Sandbox/default/bad')?.reason, 'InvalidSpec');
});

test('immutable fields: a changed subnet is refused like the API server would, the old version stays', () => {
  const old = computeView(input({ networks: [net('n')] })).desired.get('Network/n')!;
  const changed = net('n', { ipam: { ipv4: { subnet: '10.99.0.0/24' } } }, { generation: 2 });
  const v = computeView(input({ networks: [changed], current: () => old }));
  assert.equal(v.desired.get('Network/n'), old);
  assert.match(v.degraded.get('Network/n')!, /spec\.ipam\.ipv4\.subnet: subnet is immutable/);
});

test('tenancy: an attachment may join only a network that allows its namespace', () => {
  const networks = [net('open'), net('team-a-only', { allowedNamespaces: ['team-a'] }), net('closed', { allowedNamespaces: [] })];
  const sandboxes = [sb('s', 'node-a', { namespace: 'team-a' }), sb('s', 'node-a', { namespace: 'team-b' })];
  const attachments = (['open', 'team-a-only', 'closed'] as const).flatMap((n) => [att(`a-${n}`, 's', n, { namespace: 'team-a' }), att(`b-${n}`, 's', n, { namespace: 'team-b' })]);
  const v = computeView(input({ networks, sandboxes, attachments }));
  const atts = [...v.desired.keys()].filter((k) => k.startsWith('Attachment/')).sort();
  assert.deepEqual(atts, ['Attachment/team-a/a-open', 'Attachment/team-a/a-team-a-only', 'Attachment/team-b/b-open']);
  assert.deepEqual([...v.problems.entries()].map(([k, p]) => `${k} ${p.reason}`).sort(), [
    'Attachment/team-a/a-closed NamespaceNotAllowed',
    'Attachment/team-b/b-closed NamespaceNotAllowed',
    'Attachment/team-b/b-team-a-only NamespaceNotAllowed',
  ]);
  assert.match(v.problems.get('Attachment/team-b/b-team-a-only')!.message, /namespace team-b may not join Network team-a-only \(allowedNamespaces: team-a\)/);
  assert.ok(v.mine.has('Attachment/team-b/b-closed'), 'still this node\'s, so its status is this node\'s to write');
});

test('admitAttachment (mayJoin on a raw Network): unset admits everyone by default, a list exactly its namespaces, an empty list nobody', () => {
  const n = (allowed?: unknown): KubeObject => ({ metadata: { name: 'n' }, spec: allowed === undefined ? {} : { allowedNamespaces: allowed } });
  assert.deepEqual(admitAttachment(n(), 'x'), { allowed: true });
  assert.equal(admitAttachment(n(), 'x', { whenUnset: 'deny' }).allowed, false, 'a multi-tenant agent policy refuses unlisted networks');
  assert.deepEqual(admitAttachment(n(['x', 'y']), 'y'), { allowed: true });
  assert.equal(admitAttachment(n(['x']), 'z').allowed, false);
  const none = admitAttachment(n([]), 'x');
  assert.equal(none.allowed, false);
  assert.match((none as { message: string }).message, /the network is closed/);
  assert.equal(admitAttachment(n('not-a-list'), 'x').allowed, false, 'a malformed list admits nobody');
});

test('finalizerFor: the node name when it fits a qualified name, else a prefix and a hash (stable, <= 63)', () => {
  assert.equal(finalizerFor('node-a'), 'node.nodenet.io/node-a');
  const long = 'n'.repeat(40) + '.' + 'm'.repeat(40);
  const f = finalizerFor(long);
  assert.equal(f, finalizerFor(long));
  assert.notEqual(f, finalizerFor(long + 'x'));
  const namePart = f.slice('node.nodenet.io/'.length);
  assert.equal(namePart.length, 63);
  assert.match(namePart, /^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/);
  assert.ok(namePart.startsWith(long.slice(0, 54) + '-'));
});
