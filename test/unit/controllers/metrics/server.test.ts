// The metrics/health endpoint is local unless configured: the CLI default is a loopback address,
// the server binds exactly the host it is given, and "beyond loopback" is recognised (the agent
// warns). The agent process itself is checked in test/integration/controllers/metrics/listen.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { DEFAULTS } from '../../../../controllers/cli/options.js';
import { isLoopbackListen, parseListenAddr, startMetricsServer } from '../../../../controllers/metrics/server.js';

test('the default --metrics-addr is 127.0.0.1:9753', () => {
  assert.equal(DEFAULTS.metricsAddr, '127.0.0.1:9753');
  assert.deepEqual(parseListenAddr(DEFAULTS.metricsAddr), { host: '127.0.0.1', port: 9753 });
  assert.ok(isLoopbackListen(parseListenAddr(DEFAULTS.metricsAddr).host));
});

test('loopback or not', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.ok(isLoopbackListen(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', '128.0.0.1']) assert.ok(!isLoopbackListen(h), h);
});

test('the server listens on exactly the host of the address (default host, any port)', async () => {
  const { host } = parseListenAddr(DEFAULTS.metricsAddr);
  const server = await startMetricsServer({ addr: `${host}:0`, registry: new Registry(), health: { live: () => true, ready: () => ({ ok: true, reason: 'ready' }) } });
  try {
    const a = server.address() as AddressInfo;
    assert.equal(a.address, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${a.port}/healthz`);
    assert.equal(res.status, 200);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('malformed addresses are refused (no hostnames, no missing port)', () => {
  for (const bad of ['9753', ':9753', 'example.com:9753', '0.0.0.0', '127.0.0.1:99999', '[::1]9753']) assert.throws(() => parseListenAddr(bad), /invalid listen address/, bad);
});
