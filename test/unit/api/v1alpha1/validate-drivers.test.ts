// Validation added with the drivers: vxlan slices of one shape, no per-network gateway on an
// overlay, and host/null attachments that must be alone on their sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Network } from '../../../../api/v1alpha1/types.js';
import { validateCrossObject } from '../../../../api/v1alpha1/validate.js';
import { attachment, network, sandbox } from './fixtures.js';
import { expectErrors, expectValid } from './expect.js';

const overlay = (vxlan: NonNullable<Network['spec']['vxlan']>, ipam: Network['spec']['ipam'] = { ipv4: { subnet: '10.200.0.0/16' } }): Network =>
  network('ov', '', { driver: 'vxlan', vxlan, ipam });

test('vxlan: declared slices all have the slice size, and a dual-stack pair never names one slice twice', () => {
  expectValid(overlay({ vni: 1, sliceSize: 24, peers: [{ node: 'a', address: '192.168.1.1', subnet: '10.200.1.0/24' }, { node: 'b', address: '192.168.1.2' }] }));
  expectErrors(overlay({ vni: 1, sliceSize: 24, peers: [{ node: 'a', address: '192.168.1.1', subnet: '10.200.1.0/25' }] }), [
    { path: 'spec.vxlan.peers[0].subnet', message: '10.200.1.0/25 is a /25: slices of 10.200.0.0/16 are /24 (from spec.vxlan.sliceSize)' },
  ]);
  expectErrors(overlay({ vni: 1, peers: [{ node: 'a', address: '192.168.1.1', subnet: '10.200.1.0/24' }, { node: 'b', address: '192.168.1.2', subnet: '10.200.8.0/22' }] }), [
    { path: 'spec.vxlan.peers[1].subnet', message: '10.200.8.0/22 is a /22: slices of 10.200.0.0/16 are /24 (from spec.vxlan.peers[0].subnet)' },
  ]);
  const dual = { ipv4: { subnet: '10.200.0.0/16' }, ipv6: { subnet: 'fd00:200::/64' } };
  expectErrors(
    overlay({ vni: 1, peers: [{ node: 'a', address: '192.168.1.1', subnet: '10.200.3.0/24' }, { node: 'b', address: '192.168.1.2', subnet: 'fd00:200:0:0:300::/72' }] }, dual),
    [{ path: 'spec.vxlan.peers[1].subnet', message: 'fd00:200:0:0:300::/72 is slice 3, the same slice as spec.vxlan.peers[0].subnet in the other address family' }],
  );
});

test('vxlan: a gateway in the pools is refused (one per node, the first address of its slice)', () => {
  expectErrors(overlay({ vni: 1 }, { ipv4: { subnet: '10.200.0.0/16', gateway: '10.200.0.1' } }), [
    { path: 'spec.ipam', message: 'a vxlan network has one gateway per node, the first address of its slice: remove spec.ipam.*.gateway' },
  ]);
});

test('host/null attachments are alone on their sandbox; a host sandbox names no namespace', () => {
  const host = network('h', '', { driver: 'host', ipam: undefined });
  delete host.spec.ipam;
  const br = network('br', '10.88.0.0/24');
  const at = (name: string, net: string, ts: string): ReturnType<typeof attachment> => {
    const a = attachment(name, { sandbox: 's', network: net, interface: name === 's-host' ? 'eth0' : 'eth1' });
    a.metadata.creationTimestamp = ts;
    return a;
  };
  const first = at('s-host', 'h', '2026-01-01T00:00:00Z');
  const errs = validateCrossObject([host, br, sandbox('s'), first, at('s-br', 'br', '2026-01-02T00:00:00Z')]);
  assert.deepEqual(errs.map((e) => `${e.key}: ${e.errors.map((x) => `${x.path}: ${x.message}`).join('; ')}`), [
    'Attachment/default/s-br: spec.network: Sandbox default/s is on network h through Attachment default/s-host, which must be its only attachment',
  ]);
  const other = validateCrossObject([host, br, sandbox('s'), at('s-br', 'br', '2026-01-01T00:00:00Z'), at('s-host', 'h', '2026-01-02T00:00:00Z')]);
  assert.deepEqual(other.map((e) => `${e.key}: ${e.errors.map((x) => x.message).join('; ')}`), [
    'Attachment/default/s-host: a sandbox on a host network can have no other attachment: Sandbox default/s is already attached by Attachment default/s-br',
  ]);
  const adopted = validateCrossObject([host, sandbox('s', { netns: { name: 'mine' } }), first]);
  assert.match(adopted[0]!.errors[0]!.message, /a sandbox on a host network uses the host's namespace: remove spec.netns from Sandbox default\/s/);
});
