// The real dataplane end to end in a scratch namespace: a Docker-like attachment built over
// rtnetlink, read back, pinged, re-applied (idempotence), torn down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, type Scratch } from '../../../helpers/scratch.js';
import { run } from '../../../../controllers/lib/exec.js';
import { createKernelDataplane } from '../../../../controllers/dataplane/kernel.js';
import { ensureNsid } from '../../../../controllers/dataplane/monitor.js';
import { KernelError, NetnsMissingError, type Dataplane, type KernelOp, type OpEvent } from '../../../../controllers/dataplane/types.js';

let s: Scratch;
let dp: Dataplane;
let sb: string;
const events: OpEvent[] = [];

const MAC = '02:42:0a:58:00:0a';
const n = (name: string): { name: string } => ({ name });

function hostOps(sandbox: string): KernelOp[] {
  return [
    { op: 'link.add', link: { kind: 'bridge', name: 'nn-frontend', alias: 'nodenet:network/frontend' } },
    { op: 'link.add', link: { kind: 'veth', name: 'nnv5f3a1c', alias: 'nodenet:attachment/default/web-1', peer: { name: 'eth0', netns: sandbox, mac: MAC } } },
    { op: 'link.set', ref: n('nnv5f3a1c'), master: n('nn-frontend'), mtu: 1400, up: true },
    { op: 'link.set', ref: n('nn-frontend'), up: true },
    { op: 'brport.set', ref: n('nnv5f3a1c'), hairpin: true },
    { op: 'addr.add', ref: n('nn-frontend'), family: 4, address: '10.88.0.1', prefixLen: 24 },
    { op: 'addr.add', ref: n('nn-frontend'), family: 6, address: 'fd00:88::1', prefixLen: 64, noDad: true },
  ];
}

const sandboxOps: KernelOp[] = [
  { op: 'link.set', ref: n('lo'), up: true },
  { op: 'link.set', ref: n('eth0'), mtu: 1400, up: true },
  { op: 'addr.add', ref: n('eth0'), family: 4, address: '10.88.0.10', prefixLen: 24 },
  { op: 'addr.add', ref: n('eth0'), family: 6, address: 'fd00:88::10', prefixLen: 64, noDad: true },
  { op: 'route.replace', family: 4, dst: 'default', gateway: '10.88.0.1', dev: n('eth0') },
  { op: 'route.replace', family: 6, dst: 'default', gateway: 'fd00:88::1', dev: n('eth0') },
];

before(async () => {
  s = await scratch('nodenet-kernel-');
  dp = createKernelDataplane();
  dp.onOp((ev) => events.push(ev));
  sb = join(s.netnsDir, 'web-1');
  const host = dp.session();
  host.apply([{ op: 'netns.add', path: sb }]);
  host.close();
});
after(async () => s.cleanup());

describe('attachment over rtnetlink', () => {
  test('builds bridge, veth with the peer born in the sandbox as eth0, addresses and routes', () => {
    const host = dp.session();
    const inside = dp.session(sb);
    events.length = 0;
    host.apply(hostOps(sb));
    inside.apply(sandboxOps);
    assert.equal(events.length, hostOps(sb).length + sandboxOps.length, 'one op event per op');
    assert.ok(events.every((e) => e.ok));

    const br = host.getLink('nn-frontend');
    const veth = host.getLink('nnv5f3a1c');
    assert.ok(br && veth);
    assert.equal(br.kind, 'bridge');
    assert.equal(br.alias, 'nodenet:network/frontend');
    assert.equal(veth.kind, 'veth');
    assert.equal(veth.master, br.index);
    assert.equal(veth.mtu, 1400);
    assert.equal(veth.up, true);
    assert.equal(veth.alias, 'nodenet:attachment/default/web-1');
    assert.equal(host.getLink('eth0'), undefined, 'the peer never exists in the host namespace');
    assert.deepEqual(host.getLinkByIndex(veth.index), veth);
    assert.equal(veth.linkNetnsId, ensureNsid(sb), 'the peer lives in the sandbox');
    assert.deepEqual(host.getBridgePort(veth.index), { index: veth.index, hairpin: true });
    assert.equal(host.getBridgePort(br.index), undefined, 'a bridge is not a port');

    const eth0 = inside.getLink('eth0');
    assert.ok(eth0);
    assert.equal(eth0.mac, MAC);
    assert.equal(eth0.link, veth.index);
    assert.deepEqual(
      host.listAddrs({ index: br.index }).filter((a) => a.scope === 0).map((a) => `${a.address}/${a.prefixLen}`),
      ['10.88.0.1/24', 'fd00:88::1/64'],
    );
    const v4 = inside.listRoutes({ family: 4 }).find((r) => r.dst === 'default');
    assert.deepEqual(v4 && { gw: v4.gateway, oif: v4.oif, proto: v4.protocol }, { gw: '10.88.0.1', oif: eth0.index, proto: 4 });
    const v6 = inside.listRoutes({ family: 6 }).find((r) => r.dst === 'default');
    assert.deepEqual(v6 && { gw: v6.gateway, metric: v6.metric }, { gw: 'fd00:88::1', metric: 1024 });
    // Without a family: one dump of both, IPv4 first, the same routes as the two dumps.
    assert.deepEqual(inside.listRoutes({ table: 254 }), [...inside.listRoutes({ family: 4 }), ...inside.listRoutes({ family: 6 })]);
    assert.ok(inside.listRoutes({ table: 254 }).some((r) => r.family === 6 && r.dst === 'default'), 'IPv6 routes are in it');
    assert.deepEqual(inside.listRoutes({ table: 4242 }), [], 'a table no family has: empty, not an error');
    host.close();
    inside.close();
  });

  test('hairpin reads back off after being turned off, and on again', () => {
    const host = dp.session();
    const idx = host.getLink('nnv5f3a1c')!.index;
    host.apply([{ op: 'brport.set', ref: { index: idx }, hairpin: false }]);
    assert.equal(host.getBridgePort(idx)?.hairpin, false);
    host.apply([{ op: 'brport.set', ref: { index: idx }, hairpin: true }]);
    assert.equal(host.getBridgePort(idx)?.hairpin, true);
    host.close();
  });

  test('the sandbox reaches the bridge address (IPv4 and IPv6 ping)', async () => {
    const v4 = await run({ argv: ['nsenter', `--net=${sb}`, 'ping', '-c1', '-W2', '10.88.0.1'] });
    assert.equal(v4.code, 0, v4.stdout + v4.stderr);
    const v6 = await run({ argv: ['nsenter', `--net=${sb}`, 'ping', '-6', '-c1', '-W2', 'fd00:88::1'] });
    assert.equal(v6.code, 0, v6.stdout + v6.stderr);
  });

  test('re-applying the plan: tolerated ops succeed, link.add reports EEXIST with ip-like text', () => {
    const host = dp.session();
    const inside = dp.session(sb);
    inside.apply(sandboxOps);
    for (const op of hostOps(sb)) {
      if (op.op === 'link.add') {
        assert.throws(
          () => host.apply([op]),
          (e: unknown) => e instanceof KernelError && e.errno === 17 && /^ip link add nn\S+ .*: RTNETLINK answers: File exists$/.test(e.message),
        );
      } else {
        host.apply([op]);
      }
    }
    assert.equal(host.listAddrs({ index: host.getLink('nn-frontend')!.index, family: 4 }).length, 1, 'no duplicate address');
    assert.equal(inside.listRoutes({ family: 4 }).filter((r) => r.dst === 'default').length, 1, 'one default route');
    host.close();
    inside.close();
  });

  test('errors carry the namespace, errno text and the kernel extended ACK', () => {
    const inside = dp.session(sb);
    let caught: unknown;
    try {
      inside.apply([{ op: 'link.set', ref: n('eth0'), mtu: 70000 }]);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof KernelError);
    assert.equal(caught.ns, sb);
    assert.equal(caught.errno, 22);
    assert.equal(caught.message, `nsenter --net=${sb} ip link set dev eth0 mtu 70000: RTNETLINK answers: Invalid argument (extack: mtu greater than device maximum)`);
    assert.ok(events.some((e) => !e.ok && e.error === caught.message), 'failed ops are reported to listeners too');
    inside.close();
  });

  test('netns.del with flush removes the host-side veth at once, even while a session holds the namespace', () => {
    const host = dp.session();
    const holder = dp.session(sb);
    assert.ok(host.getLink('nnv5f3a1c'));
    host.apply([{ op: 'netns.del', path: sb, flush: true }]);
    assert.equal(host.getLink('nnv5f3a1c'), undefined);
    assert.equal(dp.isNetns(sb), false);
    assert.throws(() => dp.session(sb), NetnsMissingError);
    host.apply([{ op: 'netns.del', path: sb }]);
    assert.ok(host.getLink('nn-frontend'), 'the bridge stays');
    holder.close();
    host.apply([{ op: 'link.del', ref: n('nn-frontend') }, { op: 'link.del', ref: n('nn-frontend') }]);
    host.close();
  });
});

describe('netns.del without flush (like ip netns del)', () => {
  test('the host-side veth lives while the namespace is held, and goes soon after the last holder', async () => {
    const path = join(s.netnsDir, 'async');
    const host = dp.session();
    host.apply([{ op: 'netns.add', path }, { op: 'link.add', link: { kind: 'veth', name: 'nnvasync', peer: { name: 'eth0', netns: path } } }]);
    const holder = dp.session(path);
    host.apply([{ op: 'netns.del', path }]);
    assert.equal(dp.isNetns(path), false, 'the mount is gone at once');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(host.getLink('nnvasync'), 'an open session keeps the namespace, and so the pair, alive');
    assert.ok(holder.getLink('eth0'), 'and the session still works on it');
    holder.close();
    const t0 = Date.now();
    while (host.getLink('nnvasync') && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(host.getLink('nnvasync'), undefined, 'the kernel removed the pair within 1 s');
    host.close();
  });
});

describe('isNetns', () => {
  test('is true only for live network namespace files', async () => {
    const dir = join(s.stateDir, 'isnetns');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'plain');
    writeFileSync(file, '');
    const fifo = join(dir, 'fifo');
    await run({ argv: ['mkfifo', fifo] });
    const live = join(s.netnsDir, 'live');
    const host = dp.session();
    host.apply([{ op: 'netns.add', path: live }]);
    const table: [string, boolean][] = [
      [live, true],
      ['/proc/self/ns/net', true],
      [`/proc/${process.pid}/ns/net`, true],
      ['/proc/self/ns/mnt', false],
      ['/proc/self/ns/uts', false],
      [file, false],
      [fifo, false],
      [dir, false],
      ['/dev/null', false],
      [join(dir, 'missing'), false],
      [join(file, 'below-a-file'), false],
    ];
    for (const [path, want] of table) assert.equal(dp.isNetns(path), want, path);
    host.apply([{ op: 'netns.del', path: live }]);
    assert.equal(dp.isNetns(live), false, 'gone after netns.del');
    host.close();
  });
});
