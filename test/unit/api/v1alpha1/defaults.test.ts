// Resolved views: every default and every derived name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bridgeNameFor, expandPorts, keyOf, netnsNameFor, resolveAttachment, resolveNetwork, resolveSandbox } from '../../../../api/v1alpha1/defaults.js';
import { validateResource } from '../../../../api/v1alpha1/validate.js';
import { matches } from '../../../../api/v1alpha1/patterns.js';
import { attachment, network, sandbox } from './fixtures.js';

test('keyOf: Network/<name>, <Kind>/<namespace>/<name> with namespace defaulted', () => {
  assert.equal(keyOf(network('frontend')), 'Network/frontend');
  assert.equal(keyOf(sandbox('web-1')), 'Sandbox/default/web-1');
  const a = attachment('x');
  a.metadata.namespace = 'team-a';
  assert.equal(keyOf(a), 'Attachment/team-a/x');
  delete a.metadata.namespace;
  assert.equal(keyOf(a), 'Attachment/default/x');
});

test('bridge names: nn-<name> when it fits 15 bytes, else 7 characters and 4 hex digits of sha256', () => {
  assert.equal(bridgeNameFor('frontend'), 'nn-frontend');
  assert.equal(bridgeNameFor('abcdefghijkl'), 'nn-abcdefghijkl');
  const long = 'abcdefghijklm';
  const h = createHash('sha256').update(long).digest('hex').slice(0, 4);
  assert.equal(bridgeNameFor(long), `nn-abcdefg-${h}`);
  const names = ['payments-frontend', 'payments-backend', 'x'.repeat(63), 'a-b-c-d-e-f-g-h'].map(bridgeNameFor);
  for (const n of names) {
    assert.ok(Buffer.byteLength(n) <= 15 && matches('ifname', n) && n.startsWith('nn-') && !n.startsWith('nnv'), n);
  }
  assert.notEqual(bridgeNameFor('payments-frontend'), bridgeNameFor('payments-backend'));
  assert.equal(bridgeNameFor('payments-frontend'), bridgeNameFor('payments-frontend'));
});

test('netns names default to the sandbox name', () => {
  assert.equal(netnsNameFor('web-1'), 'web-1');
  assert.equal(netnsNameFor('x'.repeat(63)), 'x'.repeat(63));
  assert.match(netnsNameFor('bad/name'), /^nn-[0-9a-f]{12}$/);
});

test('resolveNetwork: bridge defaults, gateway = first host, range = subnet', () => {
  const r = resolveNetwork(network('frontend', '10.88.0.0/24'));
  assert.deepEqual(
    { ...r, ipv4: { ...r.ipv4, cidr: undefined } },
    {
      key: 'Network/frontend',
      name: 'frontend',
      driver: 'bridge',
      bridgeName: 'nn-frontend',
      mtu: 1500,
      enableICC: true,
      masquerade: true,
      internal: false,
      isolation: true,
      hostBindingIPv4: '0.0.0.0',
      ipv4: { family: 4, subnet: '10.88.0.0/24', cidr: undefined, gateway: '10.88.0.1', range: '10.88.0.0/24', reserved: [] },
      ipv6: undefined,
      macvlan: undefined,
      ipvlan: undefined,
      vxlan: undefined,
      nodeSelector: {},
      allowedNamespaces: undefined,
    },
  );
});

test('resolveNetwork: explicit values win; internal turns masquerade off; addresses become canonical', () => {
  const n = network('backend', '10.89.0.0/24', {
    bridge: { name: 'br-back', mtu: 9000, enableICC: false, masquerade: true, internal: true, isolation: false, hostBindingIPv4: '127.0.0.1' },
    ipam: {
      ipv4: { subnet: '10.89.0.0/24', gateway: '10.89.0.254', range: '10.89.0.128/25', reserved: ['10.89.0.5', '10.89.0.6'] },
      ipv6: { subnet: 'fd00:0089:0000::/64' },
    },
  });
  assert.deepEqual(validateResource(n).errors, []);
  const r = resolveNetwork(n);
  assert.equal(r.bridgeName, 'br-back');
  assert.equal(r.mtu, 9000);
  assert.equal(r.enableICC, false);
  assert.equal(r.masquerade, false);
  assert.equal(r.internal, true);
  assert.equal(r.isolation, false);
  assert.equal(r.hostBindingIPv4, '127.0.0.1');
  assert.equal(r.ipv4?.gateway, '10.89.0.254');
  assert.equal(r.ipv4?.range, '10.89.0.128/25');
  assert.deepEqual(r.ipv4?.reserved, ['10.89.0.5', '10.89.0.6']);
  assert.equal(r.ipv6?.subnet, 'fd00:89::/64');
  assert.equal(r.ipv6?.gateway, 'fd00:89::1');
});

test('resolveNetwork: per-driver defaults', () => {
  const vx = resolveNetwork(network('ovl', '10.90.0.0/16', { driver: 'vxlan', vxlan: { vni: 42 } }));
  assert.deepEqual([vx.bridgeName, vx.mtu, vx.vxlan?.port, vx.vxlan?.peers], ['nn-ovl', 1450, 4789, []]);
  const mv = resolveNetwork(network('mv', '10.91.0.0/24', { driver: 'macvlan', macvlan: { parent: 'eth0' } }));
  assert.deepEqual([mv.bridgeName, mv.mtu, mv.macvlan], [undefined, undefined, { parent: 'eth0', mode: 'bridge' }]);
  const iv = resolveNetwork(network('iv', '10.92.0.0/24', { driver: 'ipvlan', ipvlan: { parent: 'eth0', mtu: 1400 } }));
  assert.deepEqual([iv.mtu, iv.ipvlan], [1400, { parent: 'eth0', mode: 'l2' }]);
  const none = resolveNetwork({ ...network('none'), spec: { driver: 'null' } });
  assert.deepEqual([none.bridgeName, none.mtu, none.ipv4], [undefined, undefined, undefined]);
});

test('resolveSandbox: namespace, netns name and path under the netns dir, adoption, hostname', () => {
  const s = sandbox('web-1');
  delete s.metadata.namespace;
  const r = resolveSandbox(s, { netnsDir: '/tmp/nn/netns' });
  assert.deepEqual(
    [r.key, r.namespace, r.netnsName, r.netnsPath, r.adopted, r.hostname, r.dns, r.extraHosts],
    ['Sandbox/default/web-1', 'default', 'web-1', '/tmp/nn/netns/web-1', false, 'web-1', undefined, []],
  );
  const named = resolveSandbox(sandbox('web-1', { netns: { name: 'other' }, hostname: 'h' }), { netnsDir: '/run/netns' });
  assert.deepEqual([named.netnsName, named.netnsPath, named.hostname], ['other', '/run/netns/other', 'h']);
  const adopted = resolveSandbox(
    sandbox('web-1', { netns: { path: '/proc/42/ns/net' }, dns: { nameservers: ['fd00:0::53'] }, extraHosts: [{ hostname: 'db', ip: 'fd00:0:0::9' }] }),
    { netnsDir: '/run/netns' },
  );
  assert.deepEqual([adopted.netnsName, adopted.netnsPath, adopted.adopted], [undefined, '/proc/42/ns/net', true]);
  assert.deepEqual(adopted.dns?.nameservers, ['fd00::53']);
  assert.deepEqual(adopted.extraHosts, [{ hostname: 'db', ip: 'fd00::9' }]);
});

test('resolveAttachment: interface, priority, protocol, host address from the network, canonical addresses and MAC', () => {
  const a = attachment('web-1-frontend', {
    ipv6Address: 'fd00:88:0::10',
    macAddress: '02:42:0A:58:00:0A',
    ports: [{ hostPort: 8080, containerPort: 80 }, { hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: '0.0.0.0' }],
  });
  const r = resolveAttachment(a, resolveNetwork(network('frontend', '10.88.0.0/24', { bridge: { hostBindingIPv4: '127.0.0.1' } })));
  assert.deepEqual(
    [r.key, r.sandboxKey, r.networkKey, r.interface, r.gatewayPriority, r.ipv4Address, r.ipv6Address, r.macAddress, r.aliases],
    ['Attachment/default/web-1-frontend', 'Sandbox/default/web-1', 'Network/frontend', 'eth0', 0, undefined, 'fd00:88::10', '02:42:0a:58:00:0a', []],
  );
  assert.deepEqual(r.ports, [
    { protocol: 'tcp', hostIP: '127.0.0.1', hostPort: 8080, hostPortEnd: 8080, containerPort: 80, containerPortEnd: 80 },
    { protocol: 'udp', hostIP: '0.0.0.0', hostPort: 53, hostPortEnd: 53, containerPort: 53, containerPortEnd: 53 },
  ]);
  assert.equal(resolveAttachment(a).ports[0]?.hostIP, '0.0.0.0', 'without the network: 0.0.0.0');
});

test('expandPorts: one entry per port with the container offset, capped', () => {
  const r = resolveAttachment(attachment('a', { ports: [{ hostPort: 9000, hostPortEnd: 9002, containerPort: 7000, containerPortEnd: 7002 }] }));
  assert.deepEqual(
    expandPorts(r.ports).map((p) => `${p.hostIP}:${p.hostPort}->${p.containerPort}/${p.protocol}`),
    ['0.0.0.0:9000->7000/tcp', '0.0.0.0:9001->7001/tcp', '0.0.0.0:9002->7002/tcp'],
  );
  assert.throws(() => expandPorts(r.ports, 2), /3 host ports exceed the cap of 2/);
  assert.equal(expandPorts(r.ports, 3).length, 3);
});
