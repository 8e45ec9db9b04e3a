// explain's argument forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDest, resolveSource, ResolveError, OUTSIDE_DEST } from '../../../../controllers/explain/resolve.js';
import type { ObjectIndex } from '../../../../controllers/explain/world.js';

const objects: ObjectIndex = {
  networks: [],
  sandboxes: [
    { key: 'Sandbox/default/web-1', name: 'web-1', netnsPath: '/run/netns/web-1' },
    { key: 'Sandbox/team/db', name: 'db', netnsPath: '/run/netns/db' },
  ],
  attachments: [
    { key: 'Attachment/default/web-1-frontend', name: 'web-1-frontend', sandboxKey: 'Sandbox/default/web-1', network: 'frontend', netnsPath: '/run/netns/web-1', interface: 'eth0', ipv4: '10.88.0.2', ports: [] },
    { key: 'Attachment/default/web-1-backend', name: 'web-1-backend', sandboxKey: 'Sandbox/default/web-1', network: 'backend', netnsPath: '/run/netns/web-1', interface: 'eth1', ipv4: '10.89.0.2', ports: [] },
    { key: 'Attachment/team/db-backend', name: 'db-backend', sandboxKey: 'Sandbox/team/db', network: 'backend', netnsPath: '/run/netns/db', interface: 'eth0', ipv4: '10.89.0.9', ports: [] },
  ],
};

test('sources: sandbox, namespaced sandbox, attachment, host, outside with address and interface', () => {
  assert.equal(resolveSource('web-1', objects).kind, 'sandbox');
  const att = resolveSource('attachment/web-1-backend', objects);
  assert.ok(att.kind === 'sandbox' && att.attachment?.key === 'Attachment/default/web-1-backend' && att.sandbox.name === 'web-1');
  assert.ok(resolveSource('team/db', objects).kind === 'sandbox');
  assert.deepEqual(resolveSource('host', objects), { kind: 'host', label: 'host' });
  assert.deepEqual(resolveSource('outside=192.168.50.2@up0', objects), { kind: 'outside', label: 'outside (192.168.50.2 via up0)', addr: '192.168.50.2', iface: 'up0' });
  assert.throws(() => resolveSource('nope', objects), ResolveError);
  assert.throws(() => resolveSource('outside=1.2.3', objects), ResolveError);
});

test('destinations: a sandbox on a shared network, addresses with ports and protocols, outside', () => {
  const from = resolveSource('team/db', objects);
  const d = resolveDest('web-1:5432', objects, from);
  assert.deepEqual([d.addr, d.port, d.proto], ['10.89.0.2', 5432, 'tcp'], 'the attachment on backend, shared with db');
  assert.deepEqual([resolveDest('web-1', objects, resolveSource('host', objects)).addr], ['10.89.0.2'], 'else the first by key');
  const u = resolveDest('10.88.0.2:53/udp', objects, from);
  assert.deepEqual([u.addr, u.port, u.proto, u.label], ['10.88.0.2', 53, 'udp', '10.88.0.2:53/udp (Attachment/default/web-1-frontend)']);
  assert.deepEqual([resolveDest('[fd00::5]:80', objects, from).addr, resolveDest('fd00::5', objects, from).proto], ['fd00::5', 'icmpv6']);
  assert.equal(resolveDest('outside', objects, from).addr, OUTSIDE_DEST);
  assert.throws(() => resolveDest('10.0.0.1:70000', objects, from), /port 70000/);
});
