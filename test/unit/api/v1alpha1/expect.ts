// Assertions on the exact errors of validateResource.
import assert from 'node:assert/strict';
import { validateResource, type ValidateOptions } from '../../../../api/v1alpha1/validate.js';
import type { FieldError } from '../../../../api/v1alpha1/types.js';

/** The object is refused with exactly these errors (order-insensitive), and no object is returned. */
export function expectErrors(input: unknown, want: FieldError[], opts?: ValidateOptions): void {
  const r = validateResource(input, opts);
  const sort = (l: FieldError[]): FieldError[] => [...l].sort((a, b) => (a.path + a.message).localeCompare(b.path + b.message));
  assert.deepEqual(sort(r.errors), sort(want));
  assert.equal(r.object, undefined);
}

export function expectValid(input: unknown, opts?: ValidateOptions): void {
  const r = validateResource(input, opts);
  assert.deepEqual(r.errors, []);
  assert.equal(r.object, input);
}
