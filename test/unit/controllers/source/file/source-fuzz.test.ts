// Property-based fuzzing of the file source: multi-document files of generated good and bad
// objects (each bad one names its document and field), hostile texts (bombs, nesting, huge files,
// damage, noise) that must never crash or hang the parser, and whole directories through
// FileSource into a DesiredStore. Seed and counts: test/helpers/fuzz/settings.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { formatProblem, parseManifestFile } from '../../../../../controllers/source/file/parse.js';
import { FileSource } from '../../../../../controllers/source/file/source.js';
import { DesiredStore } from '../../../../../controllers/store/desired.js';
import { keyOf } from '../../../../../controllers/store/keys.js';
import { validateResource } from '../../../../../api/v1alpha1/validate.js';
import type { Resource } from '../../../../../api/v1alpha1/types.js';
import { setLogSink } from '../../../../../controllers/lib/log.js';
import { anyGood } from '../../../../helpers/fuzz/objects.js';
import { badObject, type Mutated } from '../../../../helpers/fuzz/mutations.js';
import { hostileText } from '../../../../helpers/fuzz/texts.js';
import { fuzzParams, Tally } from '../../../../helpers/fuzz/settings.js';

type Doc = { good: Resource } | { bad: Mutated };

const doc: fc.Arbitrary<Doc> = fc.oneof(anyGood.map((good) => ({ good })), badObject.map((bad) => ({ bad })));
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** What file mode makes of a valid object: namespaced kinds default to "default". */
function asLoaded(o: Resource): Resource {
  const c = structuredClone(o);
  if (c.kind !== 'Network') c.metadata.namespace ??= 'default';
  return c;
}

test('fuzz: multi-document files: every good document loads as written, every bad one is a problem naming its document and field', (t) => {
  const tally = new Tally();
  fc.assert(
    fc.property(fc.array(doc, { minLength: 1, maxLength: 8 }), (docs) => {
      const text = docs.map((d) => stringify('good' in d ? d.good : d.bad.obj)).join('---\n');
      const r = parseManifestFile('fuzz.yaml', text);
      const goods = docs.flatMap((d, i) => ('good' in d ? [{ i, o: d.good }] : []));
      const bads = docs.flatMap((d, i) => ('bad' in d ? [{ i, m: d.bad }] : []));
      tally.add('good documents', goods.length);
      tally.add('bad documents', bads.length);
      assert.equal(r.objects.length, goods.length, `good documents lost or bad ones accepted:\n${r.problems.map(formatProblem).join('\n')}`);
      goods.forEach(({ i, o }, n) => {
        assert.equal(r.objects[n]!.origin.doc, i + 1);
        assert.deepEqual(r.objects[n]!.object, asLoaded(o));
      });
      assert.equal(r.problems.length, bads.length);
      bads.forEach(({ i, m }, n) => {
        const p = r.problems[n]!;
        assert.equal(p.origin.doc, i + 1, `${m.mutation}: wrong document`);
        assert.ok(p.errors.length > 0);
        for (const e of p.errors) assert.ok(e.path.length > 0 && e.message.length > 0 && (e.line ?? 0) > 0, `${m.mutation}: ${JSON.stringify(e)}`);
        assert.ok(
          p.errors.some((e) => m.paths.some((path) => e.path === path || e.path.startsWith(`${path}.`) || e.path.startsWith(`${path}[`))),
          `${m.mutation}: no error at ${m.paths.join(' or ')}: ${JSON.stringify(p.errors)}`,
        );
        const line = formatProblem(p);
        assert.ok(line.startsWith('fuzz.yaml:'), 'the line names the file');
        assert.doesNotMatch(line, UNSAFE, 'problem lines carry no control characters');
      });
    }),
    fuzzParams(0.2),
  );
  tally.report('file source (multi-document files)', (m) => t.diagnostic(m));
});

test('fuzz: hostile texts never crash or hang the parser; whatever loads is valid; problems are readable', (t) => {
  const tally = new Tally();
  let slowest = 0;
  fc.assert(
    fc.property(hostileText, ({ kind, text }) => {
      tally.add(kind);
      const started = performance.now();
      const r = parseManifestFile('hostile.yaml', text);
      slowest = Math.max(slowest, performance.now() - started);
      for (const o of r.objects) assert.deepEqual(validateResource(o.object).errors, [], `${kind}: an invalid object was loaded`);
      for (const p of r.problems) {
        assert.ok(p.errors.length > 0 && p.errors.every((e) => e.message.length > 0), `${kind}: a problem without a reason`);
        assert.ok(p.errors.every((e) => e.path.length > 0 || (e.line ?? p.origin.line) !== undefined || p.origin.doc === undefined), `${kind}: no field, line or file-level cause`);
        assert.doesNotMatch(formatProblem(p), UNSAFE, `${kind}: control characters in a problem line`);
      }
      if (['alias-bomb', 'huge-file', 'many-documents', 'recursive-alias', 'prototype-keys', 'wide-mapping', 'long-list'].includes(kind)) {
        assert.equal(r.objects.length, 0, `${kind} must be refused`);
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype polluted');
    }),
    fuzzParams(0.4),
  );
  tally.report('file source (hostile texts)', (m) => t.diagnostic(m));
  t.diagnostic(`slowest parse: ${slowest.toFixed(0)} ms`);
  assert.ok(slowest < 5000, `a hostile text took ${slowest} ms`);
});

test('fuzz: directories through FileSource: the store holds exactly the valid objects, each bad file is reported', (t) => {
  const tally = new Tally();
  const restore = setLogSink(() => undefined);
  try {
    fc.assert(
      fc.property(fc.array(fc.oneof(doc.map((d) => ({ d })), hostileText.map((h) => ({ h }))), { minLength: 1, maxLength: 6 }), (files) => {
        const dir = mkdtempSync(join(tmpdir(), 'nodenet-fuzz-'));
        try {
          const want = new Map<string, Resource>();
          const paths = files.map((f, i) => {
            const path = join(dir, `f${i}.yaml`);
            if ('h' in f) {
              tally.add(`hostile ${f.h.kind}`);
              writeFileSync(path, f.h.text);
            } else if ('good' in f.d) {
              tally.add('good file');
              // Names are made unique per file so duplicates across files are not part of this property.
              const o = asLoaded({ ...f.d.good, metadata: { ...f.d.good.metadata, name: `f${i}-${f.d.good.metadata.name}`.slice(0, 63).replace(/-+$/, '') } } as Resource);
              want.set(keyOf(o), o);
              writeFileSync(path, stringify(o));
            } else {
              tally.add('bad file');
              writeFileSync(path, stringify(f.d.bad.obj));
            }
            return path;
          });
          const store = new DesiredStore(() => []);
          const source = new FileSource({ dir });
          source.loadOnce(store, paths);
          const hostileObjects = new Set(store.keys().filter((k) => !want.has(k)));
          for (const [key, o] of want) {
            const got = store.get(key);
            assert.ok(got, `${key} missing`);
            assert.deepEqual({ ...got.object, metadata: { ...got.object.metadata, generation: undefined } }, { ...o, metadata: { ...o.metadata, generation: undefined } });
          }
          // Damaged texts may still be valid objects; then they were valid by the same validator.
          for (const k of hostileObjects) assert.deepEqual(validateResource(store.get(k)!.object).errors, []);
          const badFiles = files.filter((f) => 'd' in f && 'bad' in f.d).length;
          const problemFiles = new Set(source.problems().map((p) => p.origin.source));
          assert.ok(problemFiles.size >= badFiles, 'every bad file is reported');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      fuzzParams(0.05),
    );
  } finally {
    setLogSink(restore);
  }
  tally.report('file source (directories)', (m) => t.diagnostic(m));
});
