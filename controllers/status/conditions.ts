// One place sets an object's conditions, all at once, so they never contradict each other;
// lastTransitionTime moves only when a condition's status flips.
import type { Condition, ConditionStatus } from '../../api/v1alpha1/types.js';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * The new condition list: every type in `managed` is set from `next` (or removed when absent
 * there); conditions of other types (e.g. probes, set by someone else) are kept as they are.
 */
export function setConditions(opts: {
  prev: readonly Condition[] | undefined;
  next: readonly ConditionInput[];
  managed: readonly string[];
  generation: number | undefined;
  now: string;
}): Condition[] {
  const { prev = [], next, managed, generation, now } = opts;
  const byType = new Map(prev.map((c) => [c.type, c]));
  const out: Condition[] = prev.filter((c) => !managed.includes(c.type) && !next.some((n) => n.type === c.type));
  for (const n of next) {
    const old = byType.get(n.type);
    out.push({
      type: n.type,
      status: n.status,
      reason: n.reason,
      message: n.message,
      lastTransitionTime: old && old.status === n.status ? old.lastTransitionTime : now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    });
  }
  return out.sort((a, b) => conditionOrder(a.type) - conditionOrder(b.type) || a.type.localeCompare(b.type));
}

function conditionOrder(type: string): number {
  return type === 'Ready' ? 0 : type === 'Degraded' ? 1 : 2;
}

export function conditionOf(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return conditionOf(conditions, type)?.status === 'True';
}
