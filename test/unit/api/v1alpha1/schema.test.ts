// The schema obeys the house rules in both views, and the CRD view is structural.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS } from '../../../../api/v1alpha1/types.js';
import { resourceSchema, strict, type Schema } from '../../../../api/v1alpha1/schema.js';
import { PATTERNS, matches } from '../../../../api/v1alpha1/patterns.js';

function* walk(s: Schema, path: string): Generator<[string, Schema]> {
  yield [path, s];
  for (const [k, v] of Object.entries(s.properties ?? {})) yield* walk(v, `${path}.${k}`);
  if (s.items) yield* walk(s.items, `${path}[]`);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') yield* walk(s.additionalProperties, `${path}{}`);
}

const ROOT_EXEMPT = new Set(['.apiVersion', '.kind']);

for (const kind of KINDS) {
  test(`${kind} CRD schema is structural: every node typed, no additionalProperties beside properties`, () => {
    for (const [path, s] of walk(resourceSchema(kind, 'crd'), '')) {
      assert.ok(s.type, `${kind}${path} has no type`);
      assert.ok(!(s.properties && s.additionalProperties !== undefined), `${kind}${path} has properties and additionalProperties`);
      assert.equal(s['x-kubernetes-preserve-unknown-fields'], undefined, `${kind}${path} preserves unknown fields`);
      assert.ok(!('$ref' in s) && !('oneOf' in s) && !('anyOf' in s) && !('uniqueItems' in s), `${kind}${path} uses a keyword CRDs refuse`);
    }
  });

  test(`${kind} CRD metadata constrains only name`, () => {
    const meta = resourceSchema(kind, 'crd').properties!.metadata!;
    assert.deepEqual(Object.keys(meta).sort(), ['properties', 'type']);
    assert.deepEqual(Object.keys(meta.properties!), ['name']);
  });

  test(`${kind}: every field has a description, every string a maxLength, every list a maxItems, every integer bounds`, () => {
    let strings = 0;
    for (const view of ['crd', 'file'] as const) {
      for (const [path, s] of walk(resourceSchema(kind, view), '')) {
        if (path === '.metadata' && view === 'crd') continue; // the API server allows nothing else there
        assert.ok(s.description && s.description.length > 3, `${kind} ${view}${path} has no description`);
        if (s.type === 'string' && !ROOT_EXEMPT.has(path)) {
          strings++;
          assert.ok(typeof s.maxLength === 'number' && s.maxLength > 0, `${kind} ${view}${path} has no maxLength`);
        }
        if (s.type === 'array') assert.ok(typeof s.maxItems === 'number', `${kind} ${view}${path} has no maxItems`);
        if (s.type === 'integer') {
          assert.ok(typeof s.minimum === 'number' && typeof s.maximum === 'number', `${kind} ${view}${path} is unbounded`);
        }
        if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
          assert.ok(typeof s.maxProperties === 'number', `${kind} ${view}${path} map has no maxProperties`);
        }
      }
    }
    assert.ok(strings > 10);
  });

  test(`${kind} file schema rejects unknown fields on every object with properties`, () => {
    for (const [path, s] of walk(resourceSchema(kind, 'file'), '')) {
      if (!s.properties) continue;
      const want = s['x-kubernetes-preserve-unknown-fields'] ? undefined : false;
      assert.equal(s.additionalProperties, want, `${kind} file${path}`);
    }
  });

  test(`${kind} list-map keys are required in their items, and every CEL rule carries a message`, () => {
    for (const [path, s] of walk(resourceSchema(kind, 'crd'), '')) {
      for (const key of s['x-kubernetes-list-map-keys'] ?? []) assert.ok(s.items?.required?.includes(key), `${kind}${path} key ${key}`);
      for (const r of s['x-kubernetes-validations'] ?? []) {
        assert.ok(r.rule.length > 0 && (r.message || r.messageExpression), `${kind}${path}: ${r.rule}`);
      }
    }
  });
}

test('strict() leaves the CRD objects untouched (the views share one definition)', () => {
  const crd = resourceSchema('Network', 'crd');
  const before = JSON.stringify(crd);
  strict(crd);
  assert.equal(JSON.stringify(crd), before);
  const spec = strict(crd).properties!.spec!;
  assert.equal(spec.additionalProperties, false);
  assert.deepEqual(Object.keys(spec.properties!), Object.keys(crd.properties!.spec!.properties!));
});

test('patterns are RE2-compatible (no lookaround, backreferences, or repetition above 1000)', () => {
  for (const [name, p] of Object.entries(PATTERNS)) {
    assert.doesNotThrow(() => new RegExp(p.re, 'u'), name);
    assert.ok(!/\(\?[=!<]/.test(p.re), `${name} uses lookaround`);
    assert.ok(!/\\[1-9]/.test(p.re), `${name} uses a backreference`);
    for (const m of p.re.matchAll(/\{(\d+)(?:,(\d+))?\}/g)) assert.ok(Number(m[2] ?? m[1]) <= 1000, `${name} repeats ${m[0]}`);
    assert.ok(p.re.startsWith('^') && p.re.endsWith('$'), `${name} is not anchored`);
  }
});

test('patterns accept and refuse what they describe', () => {
  const cases: [keyof typeof PATTERNS, string[], string[]][] = [
    ['dnsLabel', ['web-1', 'a', 'x'.repeat(63)], ['Web', '-a', 'a-', 'a.b', 'x'.repeat(64), '']],
    ['ifname', ['eth0', 'nn-frontend', 'a.b_c-d', 'x'.repeat(15)], ['.', '..', '-x', 'x'.repeat(16), 'eth 0', 'a/b', 'a:b', '']],
    ['netnsName', ['web-1', 'x'.repeat(64)], ['.', '..', 'x'.repeat(65), 'a/b']],
    ['netnsPath', ['/proc/12/ns/net', '/run/netns/web-1'], ['proc/1', '/run//netns', '/run/netns/', '/']],
    ['ipv4', ['10.88.0.1', '0.0.0.0', '255.255.255.255'], ['10.88.0.256', '010.1.1.1', '10.88.0', '1.2.3.4.5']],
    ['ipv6', ['fd00::1', '::', '1:2:3:4:5:6:7:8'], ['fd00', '1.2.3.4', 'g::1', '::ffff:1.2.3.4']],
    ['ipv4Cidr', ['10.88.0.0/24', '0.0.0.0/0'], ['10.88.0.0/33', '10.88.0.0', '10.88.0.0/024']],
    ['ipv6Cidr', ['fd00::/64', '::/128'], ['fd00::/129', 'fd00::']],
    ['mac', ['02:42:0a:58:00:0a', '00:00:00:00:00:01', 'AE:00:00:00:00:00'], ['01:00:5e:00:00:01', '02:42:0a:58:00', '02-42-0a-58-00-0a', 'ff:ff:ff:ff:ff:ff']],
    ['hostname', ['db', 'svc.local', 'A-1.b'], ['-db', 'db-', 'a..b', 'a_b', '']],
    ['resolvOption', ['ndots:2', 'edns0', 'timeout:30'], ['ndots 2', ':2', 'a:b']],
    ['labelKey', ['kubernetes.io/hostname', 'zone'], ['/x', 'a/b/c', 'Bad_Prefix/x']],
  ];
  for (const [name, good, bad] of cases) {
    for (const v of good) assert.ok(matches(name, v), `${name} should accept ${v}`);
    for (const v of bad) assert.ok(!matches(name, v), `${name} should refuse ${v}`);
  }
});
