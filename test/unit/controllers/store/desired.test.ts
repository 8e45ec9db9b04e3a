import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attachment, FieldError, Resource } from '../../../../api/v1alpha1/types.js';
import { DesiredStore, type DesiredObject } from '../../../../controllers/store/desired.js';
import { keyOf } from '../../../../controllers/store/keys.js';
import { keysFor } from '../../../../controllers/agent/routing.js';

const att = (name: string, network: string, sandbox: string, extra: Partial<Attachment['spec']> = {}): Resource => ({
  apiVersion: 'nodenet.io/v1alpha1',
  kind: 'Attachment',
  metadata: { name, namespace: 'default', generation: 1 },
  spec: { network, sandbox, ...extra },
});
const wrap = (o: Resource, hash = 'h'): DesiredObject => ({ key: keyOf(o), object: o, origin: { source: 'test' }, specHash: hash + JSON.stringify(o.spec) });

test('indexes attachments by network and sandbox, and unindexes on delete', () => {
  const s = new DesiredStore(() => []);
  s.apply([wrap(att('a', 'n1', 'sb')), wrap(att('b', 'n1', 'sb2')), wrap(att('c', 'n2', 'sb'))], []);
  assert.deepEqual(s.attachmentsOfNetwork('n1').sort(), ['Attachment/default/a', 'Attachment/default/b']);
  assert.deepEqual(s.attachmentsOfSandbox('Sandbox/default/sb').sort(), ['Attachment/default/a', 'Attachment/default/c']);
  s.apply([], ['Attachment/default/a']);
  assert.deepEqual(s.attachmentsOfNetwork('n1'), ['Attachment/default/b']);
  s.apply([wrap(att('b', 'n2', 'sb2'))], []);
  assert.deepEqual(s.attachmentsOfNetwork('n1'), []);
});

test('an unchanged object produces no change', () => {
  const s = new DesiredStore(() => []);
  const o = att('a', 'n1', 'sb');
  assert.equal(s.apply([wrap(o)], []).length, 1);
  assert.equal(s.apply([wrap(structuredClone(o))], []).length, 0);
});

test('objects whose conflicts change are reported as changes too', () => {
  let conflicts: { key: string; errors: FieldError[] }[] = [];
  const s = new DesiredStore(() => conflicts);
  s.apply([wrap(att('a', 'n', 'sa', { ipv4Address: '10.0.0.5' }))], []);
  conflicts = [{ key: 'Attachment/default/a', errors: [{ path: 'spec.ipv4Address', message: 'taken' }] }];
  const changes = s.apply([wrap(att('b', 'n', 'sb', { ipv4Address: '10.0.0.5' }))], []);
  assert.deepEqual(changes.map((c) => [c.key, !!c.reportOnly]), [['Attachment/default/b', false], ['Attachment/default/a', true]]);
  assert.equal(s.conflictsOf('Attachment/default/a')[0]!.message, 'taken');
});

test('static requests are tracked per network for IPAM to avoid', () => {
  const s = new DesiredStore(() => []);
  s.apply([wrap(att('a', 'n', 'sa', { ipv4Address: '10.0.0.5' })), wrap(att('b', 'n', 'sb'))], []);
  assert.deepEqual([...s.staticRequests('n', 'Attachment/default/b')], ['10.0.0.5']);
  assert.deepEqual([...s.staticRequests('n', 'Attachment/default/a')], []);
});

test('routing: an attachment change wakes its sandbox and siblings; aliases wake the network peers', () => {
  const s = new DesiredStore(() => []);
  s.apply([wrap(att('a', 'n', 'sa')), wrap(att('a2', 'm', 'sa')), wrap(att('b', 'n', 'sb')), wrap(att('c', 'other', 'sc'))], []);
  const plain = keysFor({ key: 'Attachment/default/a', new: s.get('Attachment/default/a')! }, s).sort();
  assert.deepEqual(plain, ['Attachment/default/a', 'Attachment/default/a2', 'Sandbox/default/sa']);
  const aliased = wrap(att('a', 'n', 'sa', { aliases: ['web'] }));
  const withAliases = keysFor({ key: aliased.key, new: aliased }, s).sort();
  assert.ok(withAliases.includes('Sandbox/default/sb'));
  assert.ok(!withAliases.includes('Sandbox/default/sc'));
});
