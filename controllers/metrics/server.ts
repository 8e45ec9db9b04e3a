// /metrics, /healthz, /readyz on 127.0.0.1 by default: metrics reveal topology, so exposing
// them is an explicit choice (--metrics-addr 0.0.0.0:9753).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthState {
  /** The process is alive and its event loop turns. */
  live(): boolean;
  /** Sources synced and the first full reconcile pass finished. */
  ready(): { ok: boolean; reason: string };
}

export function parseListenAddr(addr: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[0-9.]+|localhost):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`invalid listen address ${addr}: expected HOST:PORT, e.g. 127.0.0.1:9753`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Loopback only (127.0.0.0/8, ::1, localhost): nothing but local processes can reach it. */
export function isLoopbackListen(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export async function startMetricsServer(opts: { addr: string; registry: Registry; health: HealthState }): Promise<Server> {
  const { host, port } = parseListenAddr(opts.addr);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      opts.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': opts.registry.contentType });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
      return;
    }
    if (path === '/healthz') {
      const ok = opts.health.live();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'not live\n');
      return;
    }
    if (path === '/readyz') {
      const r = opts.health.ready();
      res.writeHead(r.ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(`${r.reason}\n`);
      return;
    }
    res.writeHead(404);
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
