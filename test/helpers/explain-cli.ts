// Runs `nodenet explain --json` of the CLI under test and sends the same packet for real, so a
// kernel test can compare the two.
import { join } from 'node:path';
import { run } from '../../controllers/lib/exec.js';
import type { Explanation } from '../../controllers/explain/trace.js';
import { CLI } from './agent-process.js';
import { inNs, ping, tcpAsk } from './topology.js';

export async function explainCli(stateDir: string, from: string, to: string): Promise<Explanation> {
  const res = await run({ argv: [process.execPath, CLI, 'explain', '--state-dir', stateDir, '--json', from, to], timeoutMs: 20_000 });
  if (![0, 3, 4].includes(res.code)) throw new Error(`nodenet explain ${from} ${to} exited ${res.code}: ${res.stderr}`);
  const e = JSON.parse(res.stdout) as Explanation;
  const expected = { reachable: 0, blocked: 3, unknown: 4 }[e.verdict];
  if (res.code !== expected) throw new Error(`explain exit ${res.code} does not match verdict ${e.verdict}`);
  return e;
}

/** Where a packet is sent from: a sandbox namespace path, the host (null), or the outside namespace. */
export type Sender = string | null;

/** Sends the packet: ICMP echo without a port, else a TCP connection that must get a responder's line. */
export async function sendReal(from: Sender, addr: string, port?: number): Promise<boolean> {
  if (port === undefined) return ping(from, addr);
  return (await tcpAsk(from, addr, port)) !== undefined;
}

export { inNs, join };
