// The network checks probes make: a TCP connect and a DNS query, each bounded by a timeout and
// measured. Used in the agent (checks from the host) and in the helper (checks from a sandbox).
import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import { randomInt } from 'node:crypto';

export interface HelperRequest {
  tcp: [string, number][];
  dns: string[];
  timeoutMs: number;
}

export interface HelperResult {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface HelperResponse {
  tcp: HelperResult[];
  dns: HelperResult[];
}

const since = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

export function tcpCheck(host: string, port: number, timeoutMs: number): Promise<HelperResult> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const s = connect({ host, port });
    let settled = false;
    const done = (r: HelperResult, graceful: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
      if (!graceful) {
        s.destroy();
        return;
      }
      // Close like a polite client (FIN, read what the server says) rather than with a reset:
      // a probe should not show up as an error in the application's log.
      s.resume();
      s.end();
      setTimeout(() => s.destroy(), 1000).unref();
    };
    const timer = setTimeout(() => done({ ok: false, ms: since(t0), error: `no answer within ${timeoutMs} ms` }, false), timeoutMs);
    s.once('connect', () => done({ ok: true, ms: since(t0) }, true));
    s.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, ms: since(t0), error: e.code === 'ECONNREFUSED' ? 'connection refused' : (e.code ?? e.message) }, false));
  });
}

/** A query for the root's NS records: any answer with our id (even an error code) means the resolver answers. */
export function dnsQuery(id: number): Buffer {
  const b = Buffer.alloc(17);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(0x0100, 2); // recursion desired
  b.writeUInt16BE(1, 4); // one question
  b.writeUInt8(0, 12); // root name
  b.writeUInt16BE(2, 13); // NS
  b.writeUInt16BE(1, 15); // IN
  return b;
}

export function dnsCheck(server: string, timeoutMs: number): Promise<HelperResult> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const id = randomInt(0, 65536);
    const sock = createSocket(isIP(server) === 6 ? 'udp6' : 'udp4');
    const done = (r: HelperResult): void => {
      clearTimeout(timer);
      sock.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, ms: since(t0), error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    sock.on('message', (msg) => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === id && (msg.readUInt8(2) & 0x80) !== 0) done({ ok: true, ms: since(t0) });
    });
    sock.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, ms: since(t0), error: e.code ?? e.message }));
    sock.send(dnsQuery(id), 53, server, (err) => {
      if (err) done({ ok: false, ms: since(t0), error: (err as NodeJS.ErrnoException).code ?? err.message });
    });
  });
}

/** A helper request as the helper accepts it: addresses, ports 1-65535, a timeout up to 30 s. */
export function parseRequest(text: string): HelperRequest {
  const r = JSON.parse(text) as HelperRequest;
  const okPort = (p: unknown): boolean => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
  if (!Array.isArray(r.tcp) || !Array.isArray(r.dns) || !Number.isInteger(r.timeoutMs) || r.timeoutMs < 1 || r.timeoutMs > 30_000) throw new Error('bad request');
  if (!r.tcp.every((t) => Array.isArray(t) && isIP(String(t[0])) !== 0 && okPort(t[1])) || !r.dns.every((d) => isIP(String(d)) !== 0)) throw new Error('bad request');
  return r;
}
