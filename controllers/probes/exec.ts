// How probes reach into a sandbox: processes started through the exec module, with nsenter
// putting them in the sandbox's network namespace. ICMP needs raw sockets, so the gateway check
// is ping; TCP and DNS checks are one run of our helper per attachment. From the host, a TCP
// connect needs no process at all.
import { isAbsolute, join } from 'node:path';
import { isIP } from 'node:net';
import { run } from '../lib/exec.js';
import { tcpCheck, type HelperRequest, type HelperResponse, type HelperResult } from './net-checks.js';

export interface ProbeExec {
  ping(netns: string, addr: string, timeoutMs: number): Promise<HelperResult>;
  inSandbox(netns: string, req: HelperRequest): Promise<HelperResponse>;
  fromHost(addr: string, port: number, timeoutMs: number): Promise<HelperResult>;
}

const HELPER = join(import.meta.dirname, 'helper.js');

function checkPath(netns: string): void {
  if (!isAbsolute(netns) || netns.includes('\0')) throw new Error(`probe: ${JSON.stringify(netns)} is not an absolute namespace path`);
}

/** ping's "rtt min/avg/max/mdev = 0.043/0.043/0.043/0.000 ms" line, else undefined. */
export function pingRtt(out: string): number | undefined {
  const m = /= ([\d.]+)\/([\d.]+)\//.exec(out);
  return m ? Number(m[2]) : undefined;
}

export const realProbeExec: ProbeExec = {
  async ping(netns, addr, timeoutMs) {
    checkPath(netns);
    if (!isIP(addr)) throw new Error(`probe: ${JSON.stringify(addr)} is not an address`);
    const t0 = Date.now();
    const secs = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    const res = await run({ argv: ['nsenter', `--net=${netns}`, 'ping', '-n', '-q', '-c1', `-W${secs}`, addr], timeoutMs: timeoutMs + 2000 });
    const ms = pingRtt(res.stdout) ?? Date.now() - t0;
    if (res.code === 0) return { ok: true, ms };
    return { ok: false, ms, error: res.code === 1 ? `no ICMP echo reply within ${secs} s` : (res.stderr.trim().split('\n')[0] ?? `ping exited ${res.code}`) };
  },
  async inSandbox(netns, req) {
    checkPath(netns);
    const res = await run({ argv: ['nsenter', `--net=${netns}`, process.execPath, HELPER, JSON.stringify(req)], timeoutMs: req.timeoutMs + 5000 });
    if (res.code !== 0) throw new Error(`probe helper in ${netns} exited ${res.code}: ${res.stderr.trim().split('\n')[0] ?? ''}`);
    return JSON.parse(res.stdout) as HelperResponse;
  },
  fromHost: (addr, port, timeoutMs) => tcpCheck(addr, port, timeoutMs),
};
