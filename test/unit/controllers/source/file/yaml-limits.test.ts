// Limits that keep one hostile file from stalling the agent: a 1 MiB mapping of unknown keys was
// minutes of work (a quadratic duplicate-key check, then one error per key, each located by a
// linear search); now collections are bounded, duplicates are found in one pass and errors capped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseManifestFile } from '../../../../../controllers/source/file/parse.js';
import { YAML_LIMITS } from '../../../../../controllers/source/file/yaml-guard.js';

const HEAD = 'apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: a}\nspec:\n  ipam: {ipv4: {subnet: 10.1.0.0/24}}\n';

test('a 1 MiB mapping of 80,000 keys is refused in seconds, naming its size', () => {
  let text = HEAD;
  for (let i = 0; i < 80_000; i++) text += `  k${i}: 1\n`;
  assert.ok(Buffer.byteLength(text) < YAML_LIMITS.maxFileBytes);
  const t0 = performance.now();
  const r = parseManifestFile('keys.yaml', text);
  const ms = performance.now() - t0;
  assert.equal(r.objects.length, 0);
  assert.match(formatProblem(r.problems[0]!), /^keys\.yaml:5 \(doc 1\) a mapping with 80001 entries \(the limit is 1000\); document refused$/);
  assert.ok(ms < 20_000, `${ms.toFixed(0)} ms`);
});

test('lists longer than any the schema allows are refused before validation', () => {
  const text = `${HEAD}  x: [${Array.from({ length: 6000 }, (_, i) => i).join(', ')}]\n`;
  const r = parseManifestFile('list.yaml', text);
  assert.match(r.problems[0]!.errors[0]!.message, /a list with 6000 items \(the limit is 5000\)/);
});

test('duplicate keys: also when they only collide as JSON ("1" and 1); complex keys are refused', () => {
  const dup = parseManifestFile('d.yaml', 'apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata:\n  name: a\n  labels: {1: x, "1": y}\nspec: {}\n');
  assert.match(formatProblem(dup.problems[0]!), /^d\.yaml:5 \(doc 1\) YAML: Map keys must be unique \("1" appears more than once\)/);
  const complex = parseManifestFile('c.yaml', 'apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: a}\nspec:\n  ? [a, b]\n  : x\n');
  assert.match(complex.problems[0]!.errors[0]!.message, /mapping keys must be plain scalars/);
});

test('errors per document are capped, with a count of the rest', () => {
  let text = HEAD;
  for (let i = 0; i < 120; i++) text += `  k${i}: 1\n`;
  const errors = parseManifestFile('many.yaml', text).problems[0]!.errors;
  assert.equal(errors.length, YAML_LIMITS.maxErrors + 1);
  assert.equal(errors.at(-1)!.message, `and ${120 - YAML_LIMITS.maxErrors} more errors`);
});
