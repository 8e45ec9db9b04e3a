// Runs nft: in the agent's own process through libnftables (one transaction per call, as with
// `nft -f`) when the nodenet_nft addon finds the library, else the nft binary through the exec
// module. A process per firewall change costs milliseconds of fork from a big agent plus nft's
// own start-up; the library call costs the transaction. The binary is also used whenever the
// process runner was replaced (tests observe every nft command), and with NODENET_NFT=exec.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDefaultRunner, isRecentChild, run, type ExecResult } from '../../lib/exec.js';

interface NftAddon {
  available(): boolean;
  run(script: string, json: boolean): { code: number; stdout: string; stderr: string };
  /** The same on a thread-pool thread, inside the calling thread's network namespace. */
  runAsync(script: string, json: boolean): Promise<{ code: number; stdout: string; stderr: string }>;
}

let addon: NftAddon | null | undefined;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function inProcess(): NftAddon | undefined {
  if (process.env.NODENET_NFT === 'exec' || !isDefaultRunner()) return undefined;
  if (addon === undefined) {
    const path = join(packageRoot(), 'controllers/dataplane/netlink/native/build/Release/nodenet_nft.node');
    try {
      const a = createRequire(import.meta.url)(path) as NftAddon;
      addon = a.available() ? a : null;
    } catch {
      addon = null;
    }
  }
  return addon ?? undefined;
}

/** Whether nft commands run in-process (for reports and benchmarks). */
export function nftInProcess(): boolean {
  return inProcess() !== undefined;
}

/**
 * `nft -f -` with script on stdin: one transaction. In-process it runs off the agent's thread:
 * a transaction that deletes elements waits for a kernel grace period, and meanwhile further
 * changes gather for the next one.
 */
export async function nftScript(script: string, timeoutMs: number): Promise<ExecResult> {
  const lib = inProcess();
  if (lib) return { ...(await lib.runAsync(script, false)), pid: process.pid };
  return run({ argv: ['nft', '-f', '-'], input: script, timeoutMs });
}

/** `nft <words...>`: a listing as text. */
export async function nftText(words: readonly string[]): Promise<ExecResult> {
  const lib = inProcess();
  if (lib) return { ...lib.run(words.join(' '), false), pid: process.pid };
  return run({ argv: ['nft', ...words] });
}

/** `nft -j <words...>`: a listing in JSON. */
export async function nftJson(words: readonly string[]): Promise<ExecResult> {
  const lib = inProcess();
  if (lib) return { ...lib.run(words.join(' '), true), pid: process.pid };
  return run({ argv: ['nft', '-j', ...words] });
}

/**
 * Whether an nftables transaction the kernel reports as committed by `pid` was ours: an nft child
 * we started, or this process itself. In-process transactions run on a pool thread, and the
 * kernel names the committing thread (its task id), which is listed under /proc/self/task.
 */
export function isOwnNftTransaction(pid: number): boolean {
  if (pid === process.pid || isRecentChild(pid)) return true;
  return Number.isSafeInteger(pid) && pid > 0 && addon != null && existsSync(`/proc/self/task/${pid}`);
}
