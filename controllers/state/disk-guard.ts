// Notices when the state dir cannot be written (disk full, quota, read-only) and says so in the
// agent's health file, which needs no new space. Nothing that needs a durable write reaches the
// kernel meanwhile (the ledger is written first), so no address is handed out twice. A small
// probe write each second finds out when space is back; then everything is retried at once
// instead of waiting out each key's backoff.
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import type { AgentHealth } from './health.js';
import { errorText, log } from '../lib/log.js';

const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EFBIG']);

/** The errno code of the first disk-write failure in the cause chain, if any. */
export function diskErrorCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 10; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && DISK_CODES.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export const STATE_WRITE_FAILED = 'StateWriteFailed';

export class StateDiskGuard {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: { stateDir: string; health: AgentHealth; onRecovered: () => void; probeMs?: number },
  ) {}

  /** Looks at a failure; a disk error marks the state dir unwritable until a probe succeeds. */
  noteError(err: unknown): void {
    const code = diskErrorCode(err);
    if (!code) return;
    const { stateDir, health } = this.opts;
    if (!health.hasProblem(STATE_WRITE_FAILED)) log.error('state dir is not writable', { stateDir, code, err: errorText(err) });
    health.setProblem(
      STATE_WRITE_FAILED,
      `cannot write to ${stateDir} (${code}): changes that need a new allocation or a status update wait until it is writable again; nothing is handed out twice meanwhile. Last error: ${errorText(err)}`,
    );
    this.timer ??= setInterval(() => this.probe(), this.opts.probeMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private probe(): void {
    const probe = join(this.opts.stateDir, '.nodenet-space-probe');
    try {
      // Room for the state file to grow a little, not just for a few bytes.
      let size = 16 * 1024;
      try {
        size = Math.max(size, statSync(join(this.opts.stateDir, 'state.json')).size + 4096);
      } catch {
        // no state file yet
      }
      writeFileAtomic(probe, Buffer.alloc(size), { durable: true });
    } catch {
      return;
    } finally {
      rmSync(probe, { force: true });
    }
    this.stop();
    this.opts.health.clearProblem(STATE_WRITE_FAILED);
    log.warn('state dir is writable again: retrying everything', { stateDir: this.opts.stateDir });
    this.opts.onRecovered();
  }
}
