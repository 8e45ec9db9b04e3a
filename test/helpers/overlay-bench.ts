// Numbers the multi-node overlay tests print: ping round trips and one-stream TCP throughput
// between two network namespaces (tcp-bench.ts runs on each side, so no iperf is needed).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { run, runOk } from '../../controllers/lib/exec.js';
import { inNs } from './topology.js';

const BENCH = join(import.meta.dirname, 'tcp-bench.js');

export interface PingStats {
  n: number;
  min: number;
  avg: number;
  max: number;
}

/** `count` pings 10 ms apart from the namespace `from` to `to`: how many came back, and their RTTs (ms). */
export async function pingStats(from: string, to: string, count: number): Promise<PingStats> {
  const res = await run({ argv: inNs(from, ['ping', '-n', '-q', '-c', String(count), '-i', '0.01', '-W', '1', to]), timeoutMs: 20_000 });
  const recv = /(\d+) received/.exec(res.stdout);
  const m = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\//.exec(res.stdout);
  assert.ok(m && recv, `ping output: ${res.stdout}${res.stderr}`);
  return { n: Number(recv[1]), min: Number(m[1]), avg: Number(m[2]), max: Number(m[3]) };
}

/** Mbit/s of one TCP stream from a sender in `from` to a receiver in `to` listening on ip. */
export async function throughput(from: string, to: string, ip: string, seconds: number): Promise<number> {
  const argv = inNs(to, [process.execPath, BENCH, 'recv', '5201']);
  const recv = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    recv.stdout.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n').filter(Boolean)) {
        if (l === 'ready') resolve();
        else lines.push(l);
      }
    });
    recv.on('exit', (code) => (code ? reject(new Error(`receiver exited ${code}`)) : undefined));
  });
  await ready;
  const done = new Promise<void>((resolve) => recv.on('exit', () => resolve()));
  await runOk({ argv: inNs(from, [process.execPath, BENCH, 'send', ip, '5201', String(seconds)]), timeoutMs: (seconds + 10) * 1000 });
  await done;
  const r = JSON.parse(lines[0]!) as { bytes: number; ms: number };
  return (r.bytes * 8) / (r.ms / 1000) / 1e6;
}
