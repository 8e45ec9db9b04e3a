// Writes one object's status: all conditions and observedGeneration together (one writer).
import type { Condition, Kind } from '../../api/v1alpha1/types.js';
import { setConditions, type ConditionInput } from '../status/conditions.js';
import type { StatusRecord } from '../status/record.js';
import type { DesiredObject } from '../store/desired.js';
import { parseKey } from '../store/keys.js';
import type { EngineContext } from './context.js';

export interface Outcome {
  ready: boolean;
  reason: string;
  /** What is wrong and what to do about it; empty when ready. */
  message: string;
  /** Working, but something needs attention (drift repaired, a fallback in use...). */
  degraded?: { reason: string; message: string };
  /** Realized facts: addresses, interfaces, ports... */
  facts?: Record<string, unknown>;
}

export const MANAGED_CONDITIONS = ['Ready', 'Degraded'] as const;

export async function report(ctx: EngineContext, desired: DesiredObject, outcome: Outcome): Promise<void> {
  const prev = ctx.status.get(desired.key);
  const generation = desired.object.metadata.generation ?? 1;
  // An invalid newer version of the object outranks other warnings: the user must fix it.
  const problem = ctx.problemFor?.(desired.key);
  const drift = ctx.drift?.conditionFor(desired.key, outcome);
  const degraded = problem ? { reason: 'InvalidSpec', message: `${problem}; the last valid version stays in effect` } : (drift ?? outcome.degraded);
  const next: ConditionInput[] = [
    { type: 'Ready', status: outcome.ready ? 'True' : 'False', reason: outcome.reason, message: outcome.message },
    degraded
      ? { type: 'Degraded', status: 'True', ...degraded }
      : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
  ];
  const conditions = setConditions({
    prev: prev?.status.conditions as Condition[] | undefined,
    next,
    managed: MANAGED_CONDITIONS,
    generation,
    now: ctx.now(),
  });
  const { kind, namespace, name } = parseKey(desired.key);
  const rec: StatusRecord = {
    kind: kind as Kind,
    ...(namespace ? { namespace } : {}),
    name,
    generation,
    specHash: desired.specHash,
    origin: desired.origin,
    status: { observedGeneration: generation, conditions, ...(outcome.facts ?? {}) },
    updatedAt: ctx.now(),
  };
  try {
    await ctx.status.put(desired.key, rec);
  } finally {
    ctx.drift?.reported?.(desired.key);
  }
}
