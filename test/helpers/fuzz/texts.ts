// Hostile manifest texts: YAML bombs (alias fan-out, recursive aliases), deep nesting, too many
// documents, oversized files, tags, merge keys, duplicate keys, and random damage to good YAML.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { anyGood } from './objects.js';

export interface HostileText {
  kind: string;
  text: string;
}

/** Billion laughs: `levels` anchors, each a list of `width` aliases to the one before. */
const laughs = fc.record({ levels: fc.integer({ min: 2, max: 12 }), width: fc.integer({ min: 2, max: 12 }) }).map(({ levels, width }) => {
  const lines = ['apiVersion: nodenet.io/v1alpha1', 'kind: Network', 'metadata: {name: bomb}', 'spec:', '  l0: &l0 "lol"'];
  for (let i = 1; i <= levels; i++) lines.push(`  l${i}: &l${i} [${Array.from({ length: width }, () => `*l${i - 1}`).join(', ')}]`);
  return { kind: 'alias-bomb', text: lines.join('\n') + '\n' };
});

const recursive = fc.constantFrom(
  { kind: 'recursive-alias', text: 'a: &a [*a]\n' },
  { kind: 'recursive-alias', text: 'apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: &m {name: x, labels: *m}\nspec: {}\n' },
  { kind: 'undefined-alias', text: 'apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: *nothere}\nspec: {}\n' },
);

const deep = fc.record({ n: fc.integer({ min: 60, max: 5000 }), flow: fc.boolean() }).map(({ n, flow }) => ({
  kind: 'deep-nesting',
  text: flow ? `spec: ${'['.repeat(n)}1${']'.repeat(n)}\n` : Array.from({ length: Math.min(n, 400) }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n',
}));

/** Wide collections: many keys in one mapping (once minutes of work), long lists. */
const wide = fc.record({ n: fc.integer({ min: 900, max: 30_000 }), list: fc.boolean() }).map(({ n, list }) => ({
  kind: list ? 'long-list' : 'wide-mapping',
  text: list
    ? `apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: w}\nspec: {ipam: {ipv4: {subnet: 10.1.0.0/24, reserved: [${Array.from({ length: n }, (_, i) => `"10.1.0.${i % 250}"`).join(', ')}]}}}\n`
    : `apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: w}\nspec:\n${Array.from({ length: n }, (_, i) => `  k${i}: ${i}`).join('\n')}\n`,
}));

const manyDocs = fc.integer({ min: 990, max: 1200 }).map((n) => ({ kind: 'many-documents', text: '---\na: 1\n'.repeat(n) }));

const huge = fc.integer({ min: 1024 * 1024 - 64, max: 1024 * 1024 + 4096 }).map((n) => ({ kind: 'huge-file', text: `a: "${'x'.repeat(Math.max(0, n - 8))}"\n` }));

const tags = fc.constantFrom(
  '!!js/function "function(){}"',
  '!!python/object/apply:os.system ["id"]',
  '!foo bar',
  '!!binary aGVsbG8=',
  '!!set {a, b}',
  '!!omap [a: 1]',
  '!!timestamp 2001-12-14',
  '<<: {ipam: {ipv4: {subnet: 10.1.0.0/24}}}',
).map((v) => ({ kind: 'tags', text: `apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: tagged}\nspec: ${v.startsWith('<<') ? `{${v}}` : `{bridge: {name: ${v}}, ipam: {ipv4: {subnet: 10.1.0.0/24}}}`}\n` }));

const dupKeys = fc.constant({ kind: 'duplicate-keys', text: 'apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: a, name: b}\nspec: {ipam: {ipv4: {subnet: 10.1.0.0/24}}}\n' });

const proto = fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => ({
  kind: 'prototype-keys',
  text: `apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: p, labels: {${k}: x}}\nspec:\n  ${k}: {polluted: true}\n  ipam: {ipv4: {subnet: 10.1.0.0/24}}\n`,
}));

/** A good document's text, damaged: characters inserted, deleted or replaced at random places. */
const damaged = fc
  .tuple(anyGood, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.string({ unit: 'binary', maxLength: 6 })), { minLength: 1, maxLength: 6 }))
  .map(([obj, edits]) => {
    let text = stringify(obj);
    for (const [at, del, ins] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + ins + text.slice(i + del);
    }
    return { kind: 'damaged', text };
  });

const noise = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 200 })).map((text) => ({ kind: 'noise', text }));

export const hostileText: fc.Arbitrary<HostileText> = fc.oneof(
  { weight: 2, arbitrary: laughs },
  { weight: 1, arbitrary: recursive },
  { weight: 2, arbitrary: deep },
  { weight: 1, arbitrary: manyDocs },
  { weight: 1, arbitrary: wide },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: tags },
  { weight: 1, arbitrary: dupKeys },
  { weight: 1, arbitrary: proto },
  { weight: 6, arbitrary: damaged },
  { weight: 4, arbitrary: noise },
);
