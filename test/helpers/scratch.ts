// Kernel tests run inside a throwaway network namespace: the test process's main thread (and so
// every child it spawns) moves into a fresh namespace, which dies with the process. Namespaces the
// test mounts go under a private temporary directory that cleanup() unmounts.
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { native } from '../../controllers/dataplane/netlink/native.js';
import { runOk } from '../../controllers/lib/exec.js';

export interface Scratch {
  /** A directory for namespace bind mounts, private to this test file. */
  netnsDir: string;
  /** A directory for agent state, private to this test file. */
  stateDir: string;
  /** Unmounts and removes what the test mounted under netnsDir, removes stateDir. */
  cleanup(): Promise<void>;
}

let entered = false;

/** Moves this test process into a new network namespace with loopback up. */
export async function enterScratchNetns(): Promise<void> {
  if (!entered) {
    native().enterNetns(null);
    entered = true;
  }
  await runOk({ argv: ['ip', 'link', 'set', 'lo', 'up'] });
}

export async function scratch(prefix = 'nodenet-test-'): Promise<Scratch> {
  await enterScratchNetns();
  const base = mkdtempSync(join('/run', prefix));
  const netnsDir = join(base, 'netns');
  const stateDir = join(base, 'state');
  native().prepareNetnsDir(netnsDir);
  return {
    netnsDir,
    stateDir,
    cleanup: async () => {
      for (const f of safeList(netnsDir)) native().netnsDelete(join(netnsDir, f));
      await runOk({ argv: ['umount', '-R', netnsDir] }).catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
