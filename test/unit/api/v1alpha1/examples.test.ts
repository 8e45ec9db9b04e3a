// The shipped examples are valid, conflict-free, and say what the demo relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCrossObject } from '../../../../api/v1alpha1/validate.js';
import { keyOf, resolveAttachment, resolveNetwork } from '../../../../api/v1alpha1/defaults.js';
import type { Attachment, Network, Resource } from '../../../../api/v1alpha1/types.js';
import { formatProblem } from '../../../../controllers/source/file/parse.js';
import { loadExampleDir } from './examples-load.js';

const KEYS = [
  'Attachment/default/db-1-backend',
  'Attachment/default/web-1-backend',
  'Attachment/default/web-1-frontend',
  'Attachment/default/web-2-frontend',
  'Network/backend',
  'Network/frontend',
  'Sandbox/default/db-1',
  'Sandbox/default/web-1',
  'Sandbox/default/web-2',
];

for (const dir of ['netconf', 'kube'] as const) {
  test(`examples/${dir}: every document is valid and the set has no cross-object conflict`, () => {
    const r = loadExampleDir(dir);
    assert.deepEqual(r.problems.map(formatProblem), []);
    assert.deepEqual(r.objects.map((o) => keyOf(o.object)).sort(), KEYS);
    assert.deepEqual(validateCrossObject(r.objects.map((o) => o.object)), []);
    for (const o of r.objects) assert.ok(o.origin.line && o.origin.doc, `${o.origin.source} has doc and line`);
  });
}

test('examples/netconf is a real directory tree: nested folders, multi-document files, .yml and .yaml', () => {
  const r = loadExampleDir('netconf');
  assert.ok(r.files.some((f) => /netconf\/\w+\//.test(f)), 'nested folder');
  assert.ok(r.files.some((f) => f.endsWith('.yml')) && r.files.some((f) => f.endsWith('.yaml')));
  assert.ok(r.objects.some((o) => (o.origin.doc ?? 0) > 1), 'multi-document file');
});

test('examples/netconf content: networks, published port, gateway priorities, static address and alias', () => {
  const objs = new Map<string, Resource>(loadExampleDir('netconf').objects.map((o) => [keyOf(o.object), o.object]));
  const front = resolveNetwork(objs.get('Network/frontend') as Network);
  const back = resolveNetwork(objs.get('Network/backend') as Network);
  assert.deepEqual([front.driver, front.ipv4?.subnet, front.masquerade, front.internal, front.bridgeName], ['bridge', '10.88.0.0/24', true, false, 'nn-frontend']);
  assert.deepEqual([back.driver, back.ipv4?.subnet, back.masquerade, back.internal, back.bridgeName], ['bridge', '10.89.0.0/24', false, true, 'nn-backend']);
  const att = (name: string): ReturnType<typeof resolveAttachment> => resolveAttachment(objs.get(`Attachment/default/${name}`) as Attachment, front);
  assert.deepEqual(att('web-1-frontend').ports, [{ protocol: 'tcp', hostIP: '0.0.0.0', hostPort: 8080, hostPortEnd: 8080, containerPort: 80, containerPortEnd: 80 }]);
  assert.ok(att('web-1-backend').gatewayPriority < att('web-1-frontend').gatewayPriority);
  assert.deepEqual([att('db-1-backend').ipv4Address, att('db-1-backend').aliases, att('db-1-backend').network], ['10.89.0.10', ['db'], 'backend']);
  assert.equal(att('web-2-frontend').sandbox, 'web-2');
});

test('examples/kube holds the same objects as examples/netconf, plus nodeName on Sandboxes', () => {
  const strip = (o: Resource): unknown => {
    const c = structuredClone(o) as Resource;
    if (c.kind === 'Sandbox') delete c.spec.nodeName;
    return c;
  };
  const byKey = (dir: 'netconf' | 'kube'): Map<string, unknown> => new Map(loadExampleDir(dir).objects.map((o) => [keyOf(o.object), strip(o.object)]));
  const file = byKey('netconf');
  const kube = byKey('kube');
  for (const key of KEYS) assert.deepEqual(kube.get(key), file.get(key), key);
});
