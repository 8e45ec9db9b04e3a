// Property-based fuzzing of the one validation path (schema + semantic checks, the file-mode twin
// of the CRD): generated valid objects are accepted unchanged; the same objects with one rule
// broken are refused, every error names a field and a reason, and one error names the broken
// field. Seed and run count: test/helpers/fuzz/settings.ts (NODENET_FUZZ_RUNS, NODENET_FUZZ_SEED).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateResource } from '../../../../api/v1alpha1/validate.js';
import type { FieldError } from '../../../../api/v1alpha1/types.js';
import { anyGood } from '../../../helpers/fuzz/objects.js';
import { badObject } from '../../../helpers/fuzz/mutations.js';
import { fuzzParams, Tally } from '../../../helpers/fuzz/settings.js';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** An error at p, below p, or at p's parent when p is a field of a list item the rule judges whole. */
function names(e: FieldError, p: string): boolean {
  return e.path === p || e.path.startsWith(`${p}.`) || e.path.startsWith(`${p}[`);
}

test('fuzz: valid generated objects are accepted as they are', (t) => {
  const tally = new Tally();
  fc.assert(
    fc.property(anyGood, (obj) => {
      tally.add(`good ${obj.kind}`);
      const before = JSON.stringify(obj);
      const r = validateResource(obj);
      assert.deepEqual(r.errors, [], `valid ${obj.kind} refused: ${before}`);
      assert.equal(r.object, obj);
      assert.equal(JSON.stringify(obj), before, 'validation must not modify its input');
    }),
    fuzzParams(1),
  );
  tally.report('validator (good objects)', (m) => t.diagnostic(m));
  assert.ok(tally.total() >= 1);
});

test('fuzz: objects with one rule broken are refused with the field path and a printable reason', (t) => {
  const tally = new Tally();
  fc.assert(
    fc.property(badObject, (m) => {
      tally.add(m.mutation);
      const r = validateResource(m.obj);
      assert.equal(r.object, undefined, `${m.mutation} accepted: ${JSON.stringify(m.obj)}`);
      assert.ok(r.errors.length > 0);
      for (const e of r.errors) {
        assert.ok(e.path.length > 0, `${m.mutation}: an error without a field path: ${JSON.stringify(e)}`);
        assert.ok(e.message.length > 0, `${m.mutation}: an error without a reason at ${e.path}`);
        assert.doesNotMatch(e.path + e.message, UNSAFE, `${m.mutation}: control characters reach the message: ${JSON.stringify(e)}`);
      }
      assert.ok(
        r.errors.some((e) => m.paths.some((p) => names(e, p))),
        `${m.mutation}: no error at ${m.paths.join(' or ')}; got ${JSON.stringify(r.errors)}`,
      );
    }),
    fuzzParams(2),
  );
  tally.report('validator (bad objects)', (m) => t.diagnostic(m));
  // Every kind of mutation was exercised, so no rule silently dropped out of the catalog.
  assert.ok(tally.get('wrong-type') > 0 && tally.get('unknown-field') > 0 && tally.get('netns-path') > 0 && tally.get('interface') > 0);
});

test('fuzz: arbitrary JSON values never crash the validator and are refused unless they are objects of ours', (t) => {
  const tally = new Tally();
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.record({ apiVersion: fc.constant('nodenet.io/v1alpha1'), kind: fc.constantFrom('Network', 'Sandbox', 'Attachment'), metadata: fc.anything(), spec: fc.anything() })), (v) => {
      tally.add(typeof v === 'object' && v !== null && 'kind' in v ? 'shaped' : 'anything');
      const r = validateResource(v);
      if (r.object === undefined) assert.ok(r.errors.length > 0);
      else assert.deepEqual(r.errors, []);
    }),
    fuzzParams(1),
  );
  tally.report('validator (arbitrary values)', (m) => t.diagnostic(m));
});
