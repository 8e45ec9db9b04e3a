// Kernel work as a visible table of steps. Each step is a batch of ops in one namespace with the
// ops that undo it; a failure part-way undoes the completed steps in reverse, so nothing is left
// half-built, and the error names the step.
import type { Dataplane, DescribeOp, KernelOp, NetnsSession } from '../dataplane/types.js';
import { errorText, log } from '../lib/log.js';

export interface Step {
  name: string;
  /** Namespace path; undefined = the agent's namespace. */
  ns: string | undefined;
  ops: KernelOp[];
  /** Ops that revert this step if a later step fails. */
  undo?: KernelOp[];
}

export class StepError extends Error {
  constructor(readonly step: Step, options: { cause: unknown }) {
    super(step.name, options);
    this.name = 'StepError';
  }
}

/** Applies steps in order; on failure undoes completed ones (newest first) and throws StepError. */
export function applySteps(dp: Dataplane, steps: readonly Step[]): number {
  const sessions = new Map<string, NetnsSession>();
  const sessionFor = (ns: string | undefined): NetnsSession => {
    const k = ns ?? '';
    let s = sessions.get(k);
    if (!s) sessions.set(k, (s = dp.session(ns)));
    return s;
  };
  const done: Step[] = [];
  let ops = 0;
  try {
    for (const step of steps) {
      if (step.ops.length === 0) continue;
      try {
        sessionFor(step.ns).apply(step.ops);
      } catch (err) {
        undo(sessionFor, done);
        throw new StepError(step, { cause: err });
      }
      ops += step.ops.length;
      done.push(step);
    }
  } finally {
    for (const s of sessions.values()) s.close();
  }
  return ops;
}

function undo(sessionFor: (ns: string | undefined) => NetnsSession, done: Step[]): void {
  for (const step of [...done].reverse()) {
    if (!step.undo?.length) continue;
    try {
      sessionFor(step.ns).apply(step.undo);
    } catch (err) {
      // The namespace may be gone with the step that created it; GC catches anything left.
      log.warn('undo failed', { step: step.name, err: errorText(err) });
    }
  }
}

/** The ops of a plan as text, one line per op, for `nodenet plan` and logs. */
export function describeSteps(steps: readonly Step[], describe: DescribeOp): string[] {
  return steps.flatMap((s) => s.ops.map((op) => describe(op, s.ns)));
}
