// The apply() loop both sessions share: validate, run, decide success per the contract
// (outcome.ts), notify listeners of every op, and fail with an ip-like KernelError.
import type { KernelOp, OpEvent } from './types.js';
import { KernelError } from './types.js';
import { describeOp } from './describe.js';
import { errno, NetlinkError, strerror } from './netlink/errors.js';
import { tolerated } from './outcome.js';
import { opProblem } from './validate.js';

/** A failure found on our side of the socket (or in the fake), worded like ip(8) words it. */
export class OpFailure extends Error {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = 'OpFailure';
  }
}

export function errnoOf(e: unknown): number | undefined {
  if (e instanceof NetlinkError || e instanceof OpFailure) return e.errno;
  const n = (e as { errno?: unknown } | null)?.errno;
  return typeof n === 'number' ? Math.abs(n) : undefined;
}

function detail(e: unknown): string {
  if (e instanceof Error) return e.message;
  const no = errnoOf(e);
  return no !== undefined ? strerror(no) : String(e);
}

export function applyOps(x: {
  ns: string | undefined;
  ops: readonly KernelOp[];
  run: (op: KernelOp) => void;
  notify: (ev: OpEvent) => void;
}): void {
  for (const op of x.ops) {
    try {
      const problem = opProblem(op);
      if (problem) throw new OpFailure(errno.EINVAL, problem);
      x.run(op);
    } catch (e) {
      const no = errnoOf(e);
      if (no === undefined || !tolerated(op, no)) {
        const err = new KernelError(op, x.ns, no ?? errno.EIO, `${describeOp(op, x.ns)}: ${detail(e)}`, { cause: e });
        x.notify({ ns: x.ns, op, ok: false, error: err.message });
        throw err;
      }
    }
    x.notify({ ns: x.ns, op, ok: true });
  }
}
