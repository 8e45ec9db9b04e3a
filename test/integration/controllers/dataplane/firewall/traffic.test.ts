// Real packets through the firewall: three networks (ICC on / ICC off / internal, all isolated),
// sandboxes on each, an outside namespace, published ports. Every expectation is a ping or a TCP
// exchange whose answer says who replied and which source address it saw.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createNftFirewall } from '../../../../../controllers/dataplane/firewall/index.js';
import type { FwModel, FwNetwork, FwPort } from '../../../../../controllers/dataplane/firewall/types.js';
import { runOk, spawnCount } from '../../../../../controllers/lib/exec.js';
import { scratch, type Scratch } from '../../../../helpers/scratch.js';
import { hostSysctls, makeBridge, makeOutside, makeSandbox, ping, Responders, sh, sleep, tcpAsk, udpSend, type Outside } from '../../../../helpers/topology.js';

const net = (name: string, third: number, flags: { icc: boolean; internal: boolean }): FwNetwork => ({
  name,
  bridge: `nn-${name}`,
  subnets: [`10.10.${third}.0/24`],
  masquerade: true,
  isolation: true,
  ...flags,
});

function port(hostIP: string, hostPort: number, bridge: string, containerIP: string): FwPort {
  return { owner: `test/${hostPort}`, bridge, hostIP, hostPort, protocol: 'tcp', containerIP, containerPort: 80 };
}

function baseModel(): FwModel {
  return {
    networks: [net('a', 1, { icc: true, internal: false }), net('b', 2, { icc: false, internal: false }), net('c', 3, { icc: true, internal: true })],
    ports: [
      port('0.0.0.0', 8080, 'nn-a', '10.10.1.2'),
      port('127.0.0.1', 8081, 'nn-a', '10.10.1.2'),
      port('0.0.0.0', 8082, 'nn-b', '10.10.2.2'),
    ],
  };
}

describe('firewall with real traffic', () => {
  let s: Scratch;
  let out: Outside;
  const ns: Record<string, string> = {};
  const responders = new Responders();
  const fw = createNftFirewall();

  before(async () => {
    s = await scratch();
    await hostSysctls();
    for (const [b, third] of [['a', 1], ['b', 2], ['c', 3]] as const) {
      await makeBridge(`nn-${b}`, `10.10.${third}.1/24`);
      for (const [i, host] of [[1, 2], [2, 3]] as const) {
        const name = `${b}${i}`;
        ns[name] = await makeSandbox(s, { name, bridge: `nn-${b}`, cidr: `10.10.${third}.${host}/24`, gateway: `10.10.${third}.1`, hostIf: `v-${name}` });
      }
    }
    out = await makeOutside(s);
    for (const name of ['a1', 'a2', 'b1', 'b2', 'c1']) await responders.start(ns[name]!, { port: 80, label: name });
    await responders.start(out.path, { port: 9000, label: 'outside' });
    await fw.sync(baseModel());
  });

  after(async () => {
    responders.stopAll();
    await fw.remove();
    await s.cleanup();
  });

  it('lets sandboxes of one network (ICC on) reach each other', async () => {
    assert.equal(await ping(ns.a1!, '10.10.1.3'), true);
    assert.equal(await tcpAsk(ns.a2!, '10.10.1.2', 80), 'a1 10.10.1.3');
  });

  it('ICC off: blocks sandbox to sandbox on the bridge, the gateway still answers', async () => {
    assert.equal(await ping(ns.b1!, '10.10.2.3'), false);
    assert.equal(await tcpAsk(ns.b2!, '10.10.2.2', 80), undefined);
    assert.equal(await ping(ns.b1!, '10.10.2.1'), true);
  });

  it('isolates two isolated networks from each other in both directions', async () => {
    assert.equal(await ping(ns.a1!, '10.10.2.2'), false);
    assert.equal(await ping(ns.b1!, '10.10.1.2'), false);
    assert.equal(await tcpAsk(ns.b1!, '10.10.1.2', 80), undefined);
  });

  it('internal network: its sandboxes reach each other, nothing leaves or enters', async () => {
    assert.equal(await ping(ns.c1!, '10.10.3.3'), true);
    assert.equal(await ping(ns.c1!, out.serviceAddr), false);
    assert.equal(await ping(out.path, '10.10.3.2'), false);
    assert.equal(await tcpAsk(ns.a1!, '10.10.3.2', 80), undefined);
  });

  it('masquerades egress: the outside sees the host address as source', async () => {
    assert.equal(await tcpAsk(ns.a1!, out.serviceAddr, 9000), `outside ${out.hostAddr}`);
    assert.equal(await tcpAsk(ns.b2!, out.serviceAddr, 9000), `outside ${out.hostAddr}`);
  });

  it('keeps the outside from reaching sandboxes directly (only published ports)', async () => {
    await sh(out.path, 'ip', 'route', 'add', '10.10.1.0/24', 'via', out.hostAddr);
    try {
      assert.equal(await tcpAsk(out.path, '10.10.1.2', 80), undefined);
    } finally {
      await sh(out.path, 'ip', 'route', 'del', '10.10.1.0/24', 'via', out.hostAddr);
    }
  });

  it('answers a published port from the outside namespace', async () => {
    assert.equal(await tcpAsk(out.path, out.hostAddr, 8080), `a1 ${out.linkAddr}`);
  });

  it('answers a published port from the host itself, on its address and on 127.0.0.1', async () => {
    assert.equal(await tcpAsk(null, out.hostAddr, 8080), `a1 ${out.hostAddr}`);
    assert.equal(await tcpAsk(null, '127.0.0.1', 8080), 'a1 10.10.1.1');
  });

  it('publishes a hostIP-specific mapping on that address only', async () => {
    assert.equal(await tcpAsk(null, '127.0.0.1', 8081), 'a1 10.10.1.1');
    assert.equal(await tcpAsk(null, out.hostAddr, 8081), undefined);
    assert.equal(await tcpAsk(out.path, out.hostAddr, 8081), undefined);
  });

  it('hairpins: a sandbox and its neighbour reach the published port via a host address', async () => {
    assert.equal(await tcpAsk(ns.a1!, out.hostAddr, 8080), 'a1 10.10.1.1');
    assert.equal(await tcpAsk(ns.a2!, out.hostAddr, 8080), 'a1 10.10.1.1');
    assert.equal(await tcpAsk(ns.a2!, '10.10.1.1', 8080), 'a1 10.10.1.1');
  });

  it('hairpins on an ICC-off network to a neighbour published port', async () => {
    assert.equal(await tcpAsk(ns.b2!, out.hostAddr, 8082), 'b1 10.10.2.1');
  });

  it('lets another isolated network reach a published port', async () => {
    const answer = await tcpAsk(ns.b1!, out.hostAddr, 8080);
    assert.match(answer ?? '', /^a1 /);
  });

  it('drops sandbox traffic to the host 127.0.0.1 that was not DNATed (CVE-2020-8558), and repairs drift', async () => {
    // A UDP service bound to the host's loopback: delivery is the exploit, no answer is needed.
    const victim = await responders.start(null, { port: 9999, label: 'host-lo', host: '127.0.0.1', udp: true });
    // a1 routes 127.0.0.0/8 to its gateway, as an attacker would.
    await sh(ns.a1!, 'ip', 'route', 'del', '127.0.0.0/8', 'dev', 'lo', 'table', 'local');
    await sh(ns.a1!, 'ip', 'route', 'del', '127.0.0.1', 'dev', 'lo', 'table', 'local');
    await sh(ns.a1!, 'ip', 'route', 'add', '127.0.0.0/8', 'via', '10.10.1.1', 'dev', 'eth0', 'onlink');
    await udpSend(ns.a1!, '127.0.0.1', 9999, 'guarded');
    await sleep(500);
    assert.deepEqual(victim.lines, []);
    // Control: without our guard the datagram does reach the host's loopback service.
    await runOk({ argv: ['nft', 'flush', 'chain', 'inet', 'nodenet', 'filter_input'] });
    await udpSend(ns.a1!, '127.0.0.1', 9999, 'unguarded');
    await sleep(500);
    assert.deepEqual(victim.lines, ['got 10.10.1.2 unguarded']);
    fw.invalidate();
    const repaired = await fw.sync(baseModel());
    assert.ok(repaired.changes > 0, 'sync after invalidate() restores the flushed rule');
    assert.match(repaired.script, /add rule inet nodenet filter_input /);
    await udpSend(ns.a1!, '127.0.0.1', 9999, 'guarded again');
    await sleep(500);
    assert.deepEqual(victim.lines, ['got 10.10.1.2 unguarded']);
  });

  it('retargets a published port by sync with element operations only', async () => {
    const model = baseModel();
    model.ports[0] = port('0.0.0.0', 8080, 'nn-a', '10.10.1.3');
    const res = await fw.sync(model);
    assert.ok(res.changes > 0);
    for (const line of res.script.trim().split('\n')) assert.match(line, /^(add|delete) element inet nodenet /);
    assert.equal(await tcpAsk(out.path, out.hostAddr, 8080), `a2 ${out.linkAddr}`);
    await fw.sync(baseModel());
    assert.equal(await tcpAsk(out.path, out.hostAddr, 8080), `a1 ${out.linkAddr}`);
  });

  it('spawns no process when a second sync finds nothing to change', async () => {
    await fw.sync(baseModel());
    const before = spawnCount();
    const res = await fw.sync(baseModel());
    assert.equal(spawnCount() - before, 0);
    assert.deepEqual(res, { changes: 0, script: '' });
  });
});
