// The fake's own behaviour and test conveniences (its faithfulness to the kernel is checked by
// test/integration/controllers/dataplane/conformance.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeDataplane } from '../../../../controllers/dataplane/fake.js';
import { KernelError, NetnsMissingError, type KernelOp, type OpEvent } from '../../../../controllers/dataplane/types.js';

const SB = '/run/netns/web-1';
const n = (name: string): { name: string } => ({ name });
const vethInto = (name: string, ns: string): KernelOp => ({ op: 'link.add', link: { kind: 'veth', name, peer: { name: 'eth0', netns: ns } } });

test('a veth pair spans namespaces: each side names the other by index and namespace id', () => {
  const dp = createFakeDataplane();
  const host = dp.session();
  host.apply([{ op: 'netns.add', path: SB }, vethInto('nnv1', SB)]);
  const inside = dp.session(SB);
  const h = host.getLink('nnv1')!;
  const e = inside.getLink('eth0')!;
  assert.deepEqual([h.link, h.linkNetnsId, e.link, e.linkNetnsId], [e.index, 0, h.index, 0]);
  assert.equal(e.index, 2, 'first index after lo in a fresh namespace');
  assert.equal(host.getLink('eth0'), undefined);
});

test('deleting a namespace deletes its veth ends and their peers; deleting one end deletes the other', () => {
  const dp = createFakeDataplane();
  const host = dp.session();
  host.apply([{ op: 'netns.add', path: SB }, { op: 'netns.add', path: '/run/netns/b' }, vethInto('nnv1', SB), vethInto('nnv2', '/run/netns/b')]);
  host.apply([{ op: 'netns.del', path: SB }]);
  assert.equal(host.getLink('nnv1'), undefined);
  assert.equal(dp.isNetns(SB), false);
  assert.throws(() => dp.session(SB), NetnsMissingError);
  host.apply([{ op: 'link.del', ref: n('nnv2') }]);
  assert.deepEqual(dp.session('/run/netns/b').listLinks().map((l) => l.name), ['lo']);
});

test('the contract success rules hold: exists for addr.add, not found for deletes, EEXIST for link.add', () => {
  const dp = createFakeDataplane();
  const s = dp.session();
  const addr: KernelOp = { op: 'addr.add', ref: n('lo'), family: 4, address: '10.0.0.1', prefixLen: 8 };
  s.apply([{ op: 'link.add', link: { kind: 'bridge', name: 'br0' } }, addr, addr]);
  s.apply([{ op: 'link.del', ref: n('gone') }, { op: 'route.del', family: 4, dst: '10.1.0.0/16' }, { op: 'netns.del', path: '/run/netns/never' }]);
  assert.throws(
    () => s.apply([{ op: 'link.add', link: { kind: 'bridge', name: 'br0' } }]),
    (e: unknown) => e instanceof KernelError && e.errno === 17 && e.message === 'ip link add br0 type bridge: RTNETLINK answers: File exists',
  );
});

test('bridge ports, hairpin and MTU following the ports', () => {
  const dp = createFakeDataplane();
  const s = dp.session();
  s.apply([
    { op: 'link.add', link: { kind: 'bridge', name: 'br0', mtu: 9000 } },
    { op: 'link.add', link: { kind: 'veth', name: 'p0', mtu: 1400, peer: { name: 'p0x' } } },
    { op: 'link.set', ref: n('p0'), master: n('br0') },
    { op: 'brport.set', ref: n('p0'), hairpin: true },
  ]);
  const br = s.getLink('br0')!;
  const p0 = s.getLink('p0')!;
  assert.equal(p0.master, br.index);
  assert.equal(br.mtu, 1400);
  assert.deepEqual(s.getBridgePort(p0.index), { index: p0.index, hairpin: true });
  assert.throws(() => s.apply([{ op: 'brport.set', ref: n('p0x'), hairpin: true }]), (e: unknown) => e instanceof KernelError && e.errno === 95);
});

test('failAt(n) fails exactly the nth op from now, without effect, and only once', () => {
  const dp = createFakeDataplane();
  const s = dp.session();
  const events: OpEvent[] = [];
  dp.onOp((e) => events.push(e));
  dp.failAt(2, 16);
  const ops: KernelOp[] = [
    { op: 'link.add', link: { kind: 'bridge', name: 'a' } },
    { op: 'link.add', link: { kind: 'bridge', name: 'b' } },
    { op: 'link.add', link: { kind: 'bridge', name: 'c' } },
  ];
  assert.throws(() => s.apply(ops), (e: unknown) => e instanceof KernelError && e.errno === 16 && e.op === ops[1]);
  assert.deepEqual(s.listLinks().map((l) => l.name), ['lo', 'a']);
  assert.deepEqual(events.map((e) => e.ok), [true, false]);
  s.apply(ops.slice(1));
  assert.deepEqual(s.listLinks().map((l) => l.name), ['lo', 'a', 'b', 'c']);
});

test('failWhen fails matching ops until cleared', () => {
  const dp = createFakeDataplane();
  const s = dp.session();
  const clear = dp.failWhen((op) => (op.op === 'route.replace' ? 101 : undefined));
  const route: KernelOp = { op: 'route.replace', family: 4, dst: '10.9.0.0/24', dev: n('lo') };
  s.apply([{ op: 'addr.add', ref: n('lo'), family: 4, address: '10.0.0.1', prefixLen: 8 }]);
  assert.throws(() => s.apply([route]), (e: unknown) => e instanceof KernelError && e.errno === 101);
  clear();
  s.apply([route]);
  assert.equal(s.listRoutes({ family: 4 }).filter((r) => r.dst === '10.9.0.0/24').length, 1);
});

test('outOfBand changes the kernel without op events or counts; snapshot shows every namespace', () => {
  const dp = createFakeDataplane();
  const events: OpEvent[] = [];
  dp.onOp((e) => events.push(e));
  dp.session().apply([{ op: 'netns.add', path: SB }, vethInto('nnv1', SB), { op: 'sysctl.set', key: 'net/ipv4/ip_forward', value: '1' }]);
  assert.equal(dp.opCount(), 3);
  dp.outOfBand(SB, [{ op: 'link.del', ref: n('eth0') }]);
  assert.equal(events.length, 3);
  assert.equal(dp.opCount(), 3);
  const snap = dp.snapshot();
  assert.deepEqual(Object.keys(snap), ['', SB]);
  assert.deepEqual(snap['']!.links.map((l) => l.name), ['lo'], 'the peer went with eth0');
  assert.equal(snap['']!.sysctl['net/ipv4/ip_forward'], '1');
  assert.equal(snap['']!.sysctl['net/ipv4/conf/lo/forwarding'], undefined, 'fan-out to links is not a difference');
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap, 'plain data');
});

test('addExternalNetns makes an adoptable namespace; closed sessions refuse work', () => {
  const dp = createFakeDataplane();
  dp.addExternalNetns('/proc/4242/ns/net');
  assert.equal(dp.isNetns('/proc/4242/ns/net'), true);
  const s = dp.session('/proc/4242/ns/net');
  s.close();
  assert.throws(() => s.listLinks(), /closed/);
});

test('unsupported kinds are refused like a kernel without the driver', () => {
  const dp = createFakeDataplane({ unsupportedKinds: ['ipvlan'] });
  assert.throws(
    () => dp.session().apply([{ op: 'link.add', link: { kind: 'ipvlan', name: 'iv0', parent: n('lo'), mode: 'l2' } }]),
    (e: unknown) => e instanceof KernelError && e.errno === 95,
  );
});
