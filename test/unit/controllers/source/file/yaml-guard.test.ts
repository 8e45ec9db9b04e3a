// Hostile YAML is refused quickly with a clear message, and never crashes the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseManifestFile } from '../../../../../controllers/source/file/parse.js';
import { YAML_LIMITS, checkComposed, preScan } from '../../../../../controllers/source/file/yaml-guard.js';

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

const SANDBOX = 'apiVersion: nodenet.io/v1alpha1\nkind: Sandbox\nmetadata: {name: ok}\nspec: {}\n';

test('billion laughs (nested aliases) is refused in its document; other documents still load', () => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const { value: r, ms } = timed(() => parseManifestFile('bomb.yaml', `${SANDBOX}---\n${levels.join('\n')}\n`));
  assert.ok(ms < 1000, `took ${ms} ms`);
  assert.deepEqual(r.objects.map((o) => o.object.metadata.name), ['ok']);
  assert.deepEqual(r.problems.map(formatProblem), [`bomb.yaml:6 (doc 2) more than ${YAML_LIMITS.maxAliasCount} alias expansions (a YAML bomb?); document refused`]);
});

test('a few anchors and aliases are fine', () => {
  const text = `apiVersion: nodenet.io/v1alpha1
kind: Attachment
metadata: {name: a}
spec:
  sandbox: web-1
  network: frontend
  ports:
    - &p {hostPort: 8080, containerPort: 80}
  aliases: &names [web, www]
`;
  const r = parseManifestFile('anchors.yaml', text);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.objects.length, 1);
});

test('a 5 MiB file is refused before parsing', () => {
  const text = `${SANDBOX}# ${'x'.repeat(5 * 1024 * 1024)}\n`;
  const { value: r, ms } = timed(() => parseManifestFile('big.yaml', text));
  assert.ok(ms < 500, `took ${ms} ms`);
  assert.deepEqual(r.objects, []);
  assert.deepEqual(r.problems.map(formatProblem), [
    `big.yaml file is ${Buffer.byteLength(text)} bytes; the limit is 1048576 (1 MiB): split it into smaller files`,
  ]);
});

test('deep flow nesting (which would abort the process inside the yaml composer) is refused quickly', () => {
  for (const depth of [100, 10_000, 500_000]) {
    const text = `${SANDBOX}---\nspec: ${'['.repeat(depth)}${']'.repeat(Math.min(depth, 1000))}\n`;
    const { value: r, ms } = timed(() => parseManifestFile('deep.yaml', text));
    assert.ok(ms < 1000, `depth ${depth} took ${ms} ms`);
    assert.deepEqual(r.objects, [], 'the whole file is refused');
    assert.deepEqual(r.problems.map(formatProblem), ['deep.yaml:6 nesting deeper than 64 levels; file refused']);
  }
});

test('deep block nesting (indentation, compact sequences) is refused', () => {
  let indented = '';
  for (let i = 0; i < 1400; i++) indented += `${' '.repeat(i)}k:\n`;
  const dashes = `${'- '.repeat(100_000)}x\n`;
  for (const [name, text, line] of [['indent.yaml', indented, 65], ['dash.yaml', dashes, 1]] as const) {
    const { value: r, ms } = timed(() => parseManifestFile(name, text));
    assert.ok(ms < 1000, `${name} took ${ms} ms`);
    assert.deepEqual(r.problems.map(formatProblem), [`${name}:${line} nesting deeper than 64 levels; file refused`]);
  }
});

test('realistic nesting passes the guard', () => {
  let text = 'a:\n';
  for (let i = 1; i < 30; i++) text += `${'  '.repeat(i)}k${i}:\n`;
  assert.equal(preScan(text), undefined);
  assert.equal(preScan(`x: ${'['.repeat(60)}${']'.repeat(60)}\n`), undefined);
});

test('too many documents in one file', () => {
  const { value: r, ms } = timed(() => parseManifestFile('many.yaml', '---\na: 1\n'.repeat(2000)));
  assert.ok(ms < 1000, `took ${ms} ms`);
  assert.deepEqual(r.problems.map(formatProblem), ['many.yaml:1999 more than 1000 documents in one file; file refused']);
});

test('recursive aliases and over-deep composed values are refused by the exact check', () => {
  const r = parseManifestFile('rec.yaml', 'a: &x [1, *x]\n');
  assert.deepEqual(r.problems.map(formatProblem), ['rec.yaml:1 (doc 1) an alias refers to a node that contains it (recursive structure); document refused']);
  let deep: unknown = 'leaf';
  for (let i = 0; i < 65; i++) deep = [deep];
  assert.equal(checkComposed(deep), 'nesting deeper than 64 levels');
  let ok: unknown = 'leaf';
  for (let i = 0; i < 64; i++) ok = { k: ok };
  assert.equal(checkComposed(ok), undefined);
});
