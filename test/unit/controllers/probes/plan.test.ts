// What probes check for an attachment, and how results read as conditions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKS, probeConditions, probeTargets, type CheckName } from '../../../../controllers/probes/plan.js';
import { pingRtt } from '../../../../controllers/probes/exec.js';
import { dnsQuery, parseRequest } from '../../../../controllers/probes/net-checks.js';

const all = new Set<CheckName>(CHECKS);

test('targets: gateway, declared nameservers, each TCP host port (range expanded, capped), hairpin via the gateway', () => {
  const t = probeTargets({
    checks: all,
    gateway: '10.88.0.1',
    nameservers: ['10.88.0.1', 'not-an-ip'],
    ports: [
      { hostIP: '0.0.0.0', hostPort: 8080, protocol: 'tcp' },
      { hostIP: '192.168.1.5', hostPort: 9000, hostPortEnd: 9002, protocol: 'tcp' },
      { hostIP: '127.0.0.1', hostPort: 7000, protocol: 'tcp' },
      { hostIP: '0.0.0.0', hostPort: 53, protocol: 'udp' },
      { hostIP: '::', hostPort: 8443, protocol: 'tcp' },
    ],
    maxPorts: 4,
  });
  assert.equal(t.gateway, '10.88.0.1');
  assert.deepEqual(t.dns, ['10.88.0.1']);
  assert.deepEqual(t.ports, [
    { label: '8080/tcp', host: { addr: '127.0.0.1', port: 8080 }, hairpin: { addr: '10.88.0.1', port: 8080 } },
    { label: '9000/tcp', host: { addr: '192.168.1.5', port: 9000 }, hairpin: { addr: '192.168.1.5', port: 9000 } },
    { label: '9001/tcp', host: { addr: '192.168.1.5', port: 9001 }, hairpin: { addr: '192.168.1.5', port: 9001 } },
    { label: '9002/tcp', host: { addr: '192.168.1.5', port: 9002 }, hairpin: { addr: '192.168.1.5', port: 9002 } },
  ]);
  assert.equal(t.skipped, 1, '127.0.0.1:7000 beyond the cap');
  assert.equal(t.notTcp, 1);
});

test('targets follow the enabled checks; a loopback-only mapping has no hairpin', () => {
  const t = probeTargets({ checks: new Set<CheckName>(['ports']), gateway: '10.88.0.1', nameservers: ['10.88.0.1'], ports: [{ hostIP: '127.0.0.1', hostPort: 7000, protocol: 'tcp' }], maxPorts: 8 });
  assert.equal(t.gateway, undefined);
  assert.deepEqual(t.dns, []);
  assert.deepEqual(t.ports, [{ label: '7000/tcp', host: { addr: '127.0.0.1', port: 7000 } }]);
});

test('conditions: True with latencies, False naming what failed, none for a check with nothing to probe', () => {
  const t = probeTargets({ checks: all, gateway: '10.88.0.1', nameservers: ['10.88.0.1', '10.88.0.2'], ports: [{ hostIP: '0.0.0.0', hostPort: 8080, protocol: 'tcp' }], maxPorts: 8 });
  const ok = { ok: true, ms: 0.25 };
  const good = probeConditions(t, { gateway: ok, dns: [ok, ok], ports: [{ host: ok, hairpin: { ok: true, ms: 12.4 } }] });
  assert.deepEqual(good.map((c) => [c.type, c.status, c.reason]), [['GatewayReachable', 'True', 'Reachable'], ['DnsReachable', 'True', 'Answered'], ['PortsReachable', 'True', 'Reachable']]);
  assert.equal(good[0]!.message, '10.88.0.1 answered ICMP echo in 0.25 ms');
  assert.equal(good[2]!.message, '8080/tcp from the host (127.0.0.1) in 0.25 ms and via hairpin (10.88.0.1) in 12 ms');
  const bad = probeConditions(t, {
    gateway: { ok: false, ms: 1000, error: 'no ICMP echo reply within 1 s' },
    dns: [ok, { ok: false, ms: 1000, error: 'no answer within 1000 ms' }],
    ports: [{ host: ok, hairpin: { ok: false, ms: 2, error: 'connection refused' } }],
  });
  assert.deepEqual(bad.map((c) => [c.type, c.status]), [['GatewayReachable', 'False'], ['DnsReachable', 'False'], ['PortsReachable', 'False']]);
  assert.equal(bad[1]!.message, '10.88.0.2:53: no answer within 1000 ms');
  assert.equal(bad[2]!.message, '8080/tcp via hairpin (10.88.0.1:8080): connection refused');
  const none = probeTargets({ checks: all, nameservers: [], ports: [], maxPorts: 8 });
  assert.deepEqual(probeConditions(none, { dns: [], ports: [] }), []);
});

test('ping rtt parsing, DNS query shape, helper request validation', () => {
  assert.equal(pingRtt('rtt min/avg/max/mdev = 0.043/0.051/0.060/0.000 ms\n'), 0.051);
  assert.equal(pingRtt('1 packets transmitted, 0 received'), undefined);
  const q = dnsQuery(0x1234);
  assert.deepEqual([q.readUInt16BE(0), q.readUInt16BE(4), q.length], [0x1234, 1, 17]);
  assert.deepEqual(parseRequest('{"tcp":[["10.0.0.1",80]],"dns":["10.0.0.2"],"timeoutMs":500}').tcp, [['10.0.0.1', 80]]);
  for (const bad of ['{"tcp":[["x",80]],"dns":[],"timeoutMs":5}', '{"tcp":[["10.0.0.1",0]],"dns":[],"timeoutMs":5}', '{"tcp":[],"dns":["a;b"],"timeoutMs":5}', '{"tcp":[],"dns":[],"timeoutMs":99999}']) {
    assert.throws(() => parseRequest(bad), /bad request/);
  }
});
