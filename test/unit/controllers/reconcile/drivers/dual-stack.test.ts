// IPv6 on a bridge network against the fake kernel: gateway and sandbox addresses without DAD,
// sandbox interface knobs (no RA, no DAD), IPv6 forwarding with the accept_ra guard, a v6 default
// route, and published ports on "::" next to 0.0.0.0 in the firewall model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeDataplane } from '../../../../../controllers/dataplane/fake.js';
import { IFA_F_NODAD } from '../../../../../controllers/dataplane/netlink/constants.js';
import { readyOf, startTestAgent } from '../../../../helpers/engine.js';
import { attach, net, sandbox } from '../../../../helpers/objects.js';

function sysctlOf(dp: ReturnType<typeof createFakeDataplane>, key: string): string | undefined {
  const s = dp.session();
  try {
    return s.readSysctl(key);
  } finally {
    s.close();
  }
}

const DUAL = net('dual', { ipam: { ipv4: { subnet: '10.70.0.0/24' }, ipv6: { subnet: 'fd00:70::/64' } } });

function objects(): ReturnType<typeof net | typeof sandbox | typeof attach>[] {
  return [
    DUAL,
    sandbox('a'),
    sandbox('b'),
    attach('a-dual', 'a', 'dual', { ports: [{ hostPort: 8080, containerPort: 80 }, { hostPort: 9090, containerPort: 90, hostIP: '0.0.0.0' }] }),
    attach('b-dual', 'b', 'dual', { ipv6Address: 'fd00:70::99', ports: [{ hostPort: 7070, containerPort: 70, hostIP: '::' }] }),
  ];
}

test('dual-stack: v6 gateway and addresses without DAD, no RA/DAD on sandbox interfaces, v6 default route', async () => {
  const t = await startTestAgent(objects());
  try {
    for (const k of ['Network/dual', 'Attachment/default/a-dual', 'Attachment/default/b-dual']) assert.match(readyOf(t.sink, k)!, /^True:/, k);
    const snap = t.dp.snapshot();
    const gw = snap['']!.addrs.find((a) => a.address === 'fd00:70::1');
    assert.ok(gw && gw.prefixLen === 64 && (gw.flags & IFA_F_NODAD) !== 0, 'gateway fd00:70::1/64 nodad on the bridge');
    const b = snap['/run/netns/b']!;
    const mine = b.addrs.find((x) => x.address === 'fd00:70::99');
    assert.ok(mine && (mine.flags & IFA_F_NODAD) !== 0, 'static v6 address, nodad');
    assert.equal(b.sysctl['net/ipv6/conf/eth0/accept_ra'], '0');
    assert.equal(b.sysctl['net/ipv6/conf/eth0/accept_dad'], '0');
    const v6default = b.routes.find((r) => r.family === 6 && r.dst === 'default');
    assert.equal(v6default?.gateway, 'fd00:70::1');
    assert.equal(snap['']!.sysctl['net/ipv6/conf/all/forwarding'], '1');
    assert.equal(snap['']!.sysctl['net/ipv6/conf/nn-dual/accept_ra'], '0');
    const status = t.sink.records.get('Attachment/default/a-dual')!.status;
    assert.match(String(status.ipv6Address), /^fd00:70::[0-9a-f]+\/64$/);
  } finally {
    await t.stop();
  }
});

test('dual-stack: defaulted host address publishes on 0.0.0.0 and ::, explicit 0.0.0.0 on IPv4 only, :: on IPv6 only', async () => {
  const t = await startTestAgent(objects());
  try {
    const a = t.sink.records.get('Attachment/default/a-dual')!.status;
    const v4 = String(a.ipv4Address).split('/')[0];
    const v6 = String(a.ipv6Address).split('/')[0];
    const got = t.firewall.last()!.ports.map((p) => `${p.hostIP}:${p.hostPort}->${p.containerIP}:${p.containerPort}`).sort();
    assert.deepEqual(got, [`0.0.0.0:8080->${v4}:80`, `0.0.0.0:9090->${v4}:90`, `:::7070->fd00:70::99:70`, `:::8080->${v6}:80`].sort());
    assert.deepEqual(t.firewall.last()!.networks[0]!.subnets, ['10.70.0.0/24', 'fd00:70::/64']);
    assert.deepEqual((a.ports as { hostIP: string }[]).map((p) => p.hostIP), ['0.0.0.0', '::', '0.0.0.0']);
  } finally {
    await t.stop();
  }
});

test('turning IPv6 forwarding on first raises accept_ra 1 -> 2 on the host\'s interfaces; already on: untouched', async () => {
  const dp = createFakeDataplane();
  dp.outOfBand(undefined, [{ op: 'link.add', link: { kind: 'dummy', name: 'uplink' } }, { op: 'sysctl.set', key: 'net/ipv6/conf/uplink/accept_ra', value: '1' }]);
  dp.outOfBand(undefined, [{ op: 'link.add', link: { kind: 'dummy', name: 'static0' } }, { op: 'sysctl.set', key: 'net/ipv6/conf/static0/accept_ra', value: '0' }]);
  const t = await startTestAgent(objects(), { dp });
  try {
    const sys = (k: string): string | undefined => sysctlOf(t.dp, k);
    assert.equal(sys('net/ipv6/conf/uplink/accept_ra'), '2', 'SLAAC uplink keeps accepting RAs');
    assert.equal(sys('net/ipv6/conf/default/accept_ra'), '2');
    assert.equal(sys('net/ipv6/conf/static0/accept_ra'), '0', 'an interface that takes no RAs stays so');
    assert.equal(sys('net/ipv6/conf/nn-dual/accept_ra'), '0', 'our bridge takes none');
    assert.equal(sys('net/ipv6/conf/all/forwarding'), '1');
    const before = t.dp.opCount();
    t.agent.enqueueAll();
    await t.agent.settled();
    assert.equal(t.dp.opCount() - before, 0, 'idempotent');
  } finally {
    await t.stop();
  }
  const dp2 = createFakeDataplane();
  dp2.outOfBand(undefined, [
    { op: 'sysctl.set', key: 'net/ipv6/conf/all/forwarding', value: '1' },
    { op: 'link.add', link: { kind: 'dummy', name: 'uplink' } },
    { op: 'sysctl.set', key: 'net/ipv6/conf/uplink/accept_ra', value: '1' },
  ]);
  const t2 = await startTestAgent(objects(), { dp: dp2 });
  try {
    assert.equal(sysctlOf(t2.dp, 'net/ipv6/conf/uplink/accept_ra'), '1', 'admin already forwards: left alone');
    assert.equal(sysctlOf(t2.dp, 'net/ipv6/conf/default/accept_ra'), '1');
  } finally {
    await t2.stop();
  }
});

test('an internal dual-stack network does not turn IPv6 forwarding on', async () => {
  const t = await startTestAgent([net('quiet', { bridge: { internal: true }, ipam: { ipv6: { subnet: 'fd00:71::/64' } } }), sandbox('q'), attach('q-quiet', 'q', 'quiet')]);
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/q-quiet')!, /^True:/);
    assert.equal(t.dp.snapshot()['']!.sysctl['net/ipv6/conf/all/forwarding'], undefined);
  } finally {
    await t.stop();
  }
});
