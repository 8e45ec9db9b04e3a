// Patch application: JSON merge patch, JSON patch, strategic merge patch directives, and
// server-side apply ownership (managedFields, removal of dropped fields, conflicts, force).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../kubeapi/errors.js';
import { jsonPatch } from '../../kubeapi/patch/jsonpatch.js';
import { decodeFields, recordUpdate, serverSideApply } from '../../kubeapi/patch/managed.js';
import { mergePatch } from '../../kubeapi/patch/merge.js';
import { strategicMergePatch } from '../../kubeapi/patch/strategic.js';
import type { KObject } from '../../kubeapi/types.js';

describe('patches', () => {
  it('merge patch: objects merge, null deletes, lists replace', () => {
    assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] }), { a: 1, b: { d: 3, e: 4 }, l: [3] });
  });

  it('json patch: all six operations, and 422 when a path is missing or a test fails', () => {
    const doc = { a: { b: [1, 2] }, c: 'x' };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'replace', path: '/c', value: 'y' },
      { op: 'copy', from: '/c', path: '/d' },
      { op: 'move', from: '/d', path: '/e' },
      { op: 'remove', path: '/a/b/0' },
      { op: 'test', path: '/e', value: 'y' },
      { op: 'add', path: '/k~1v', value: true },
    ]);
    assert.deepEqual(out, { a: { b: [2, 3] }, c: 'y', e: 'y', 'k/v': true });
    assert.deepEqual(doc, { a: { b: [1, 2] }, c: 'x' }, 'input untouched');
    assert.throws(() => jsonPatch(doc, [{ op: 'remove', path: '/nope' }]), (e: unknown) => e instanceof ApiError && e.code === 422);
    assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/c', value: 'z' }]), (e: unknown) => e instanceof ApiError && e.code === 422);
  });

  it('strategic merge patch: merge keys, primitive merge lists and directives', () => {
    const keys = { 'status.conditions': 'type' };
    const live = {
      metadata: { finalizers: ['a'], labels: { x: '1', y: '2' } },
      status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'Disk', status: 'True' }], addresses: [{ type: 'IP', address: '1' }] },
    };
    const out = strategicMergePatch(live, {
      metadata: { finalizers: ['b'], labels: { y: null } },
      status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Disk', $patch: 'delete' }, { type: 'Mem', status: 'False' }], addresses: [{ type: 'IP', address: '2' }] },
    }, keys);
    assert.deepEqual(out, {
      metadata: { finalizers: ['a', 'b'], labels: { x: '1' } },
      status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Mem', status: 'False' }], addresses: [{ type: 'IP', address: '2' }] },
    });
    assert.deepEqual(strategicMergePatch({ a: { b: 1, c: 2 } }, { a: { $patch: 'replace', d: 3 } }, {}), { a: { d: 3 } });
    assert.deepEqual(strategicMergePatch({ f: ['x', 'y', 'z'] }, { '$deleteFromPrimitiveList/f': ['y'], '$setElementOrder/f': ['x'] }, {}), { f: ['x', 'z'] });
    assert.deepEqual(strategicMergePatch({ s: { a: 1, b: 2, c: 3 } }, { s: { $retainKeys: ['a', 'd'], d: 4 } }, {}), { s: { a: 1, d: 4 } });
  });
});

describe('server-side apply', () => {
  const scope = { statusIsSubresource: true };
  const base = { manager: 'ctl', force: false, apiVersion: 'test.example.com/v1', scope, now: '2026-01-01T00:00:00Z' };
  const cfg = (spec: Record<string, unknown>, labels?: Record<string, string>): KObject => ({ apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name: 'w', ...(labels ? { labels } : {}) }, spec });
  const owned = (o: KObject, manager: string): string[] => decodeFields(o.metadata.managedFields?.find((e) => e.manager === manager)?.fieldsV1).map((p) => p.join('.')).sort();

  it('records the applied fields, merges into the live object and removes fields the manager dropped', () => {
    const first = serverSideApply({ ...base, live: undefined, config: cfg({ a: 1, b: { c: 2 } }, { app: 'x' }) });
    assert.deepEqual(owned(first, 'ctl'), ['metadata.labels.app', 'spec.a', 'spec.b.c']);
    const withOther = { ...first, spec: { ...(first['spec'] as object), other: 5 } } as KObject;
    const second = serverSideApply({ ...base, live: withOther, config: cfg({ a: 2 }) });
    assert.deepEqual(second['spec'], { a: 2, b: {}, other: 5 }, 'dropped spec.b.c is removed; unowned spec.other stays');
    assert.equal(second.metadata.labels?.['app'], undefined, 'dropped label removed');
    assert.deepEqual(owned(second, 'ctl'), ['spec.a']);
  });

  it('reports conflicts with another manager owning a different value, and takes ownership with force', () => {
    const mine = serverSideApply({ ...base, live: undefined, config: cfg({ size: 1, color: 'red' }) });
    assert.throws(
      () => serverSideApply({ ...base, manager: 'other', live: mine, config: cfg({ size: 2, color: 'red' }) }),
      (e: unknown) => e instanceof ApiError && e.code === 409 && /Apply failed with 1 conflict: conflict with "ctl": .spec.size/.test(e.message) && e.details?.causes?.[0]?.field === '.spec.size',
    );
    const shared = serverSideApply({ ...base, manager: 'other', live: mine, config: cfg({ color: 'red' }) });
    assert.deepEqual(owned(shared, 'other'), ['spec.color'], 'same value: shared ownership, no conflict');
    const forced = serverSideApply({ ...base, manager: 'other', force: true, live: mine, config: cfg({ size: 2 }) });
    assert.equal((forced['spec'] as { size: number }).size, 2);
    assert.deepEqual(owned(forced, 'ctl'), ['spec.color'], 'force moved spec.size away from ctl');
    assert.deepEqual(owned(forced, 'other'), ['spec.size']);
  });

  it('records update-style writes under their manager and takes changed fields from others', () => {
    const applied = serverSideApply({ ...base, live: undefined, config: cfg({ size: 1, color: 'red' }) });
    const next = { ...applied, spec: { size: 3, color: 'red' } } as KObject;
    const entries = recordUpdate({ old: applied, next, manager: 'kubectl-edit', apiVersion: base.apiVersion, scope, now: base.now });
    const o = { ...next, metadata: { ...next.metadata, managedFields: entries } } as KObject;
    assert.deepEqual(owned(o, 'kubectl-edit'), ['spec.size']);
    assert.deepEqual(owned(o, 'ctl'), ['spec.color']);
    assert.equal(entries.find((e) => e.manager === 'kubectl-edit')?.operation, 'Update');
  });
});
