// Label and field selector parsing and matching.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../kubeapi/errors.js';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from '../../kubeapi/selectors.js';
import type { KObject, ResourceDef, VersionDef } from '../../kubeapi/types.js';

describe('selectors', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/zone': 'a', n: '5' };
  const m = (sel: string): boolean => matchLabels(parseLabelSelector(sel), labels);

  it('matches every label operator', () => {
    assert.equal(m('app=web'), true);
    assert.equal(m('app==web,tier=front'), true);
    assert.equal(m('app!=web'), false);
    assert.equal(m('missing!=x'), true, '!= matches objects without the label');
    assert.equal(m('tier in (back, front)'), true);
    assert.equal(m('tier notin (front)'), false);
    assert.equal(m('missing notin (x)'), true);
    assert.equal(m('example.com/zone'), true);
    assert.equal(m('!example.com/zone'), false);
    assert.equal(m('n>4,n<6'), true);
    assert.equal(m(''), true);
  });

  it('rejects malformed label selectors with 400', () => {
    for (const bad of ['app in (a', 'bad key=1', 'app=!x', 'n>x']) {
      assert.throws(() => parseLabelSelector(bad), (e: unknown) => e instanceof ApiError && e.code === 400, bad);
    }
  });

  it('parses field selectors with escapes and matches selectable fields', () => {
    assert.deepEqual(parseFieldSelector('a=b\\,c,d!=e'), [{ field: 'a', neq: false, value: 'b,c' }, { field: 'd', neq: true, value: 'e' }]);
    const def = { fieldGetters: { reason: (o: KObject) => String(o['reason']) } } as unknown as ResourceDef;
    const v: VersionDef = { name: 'v1', storage: true, selectableFields: ['spec.nodeName', 'spec.replicas'], statusSubresource: false };
    const o: KObject = { metadata: { name: 'x', namespace: 'ns' }, spec: { nodeName: 'n1', replicas: 3 }, reason: 'Boom' };
    assert.equal(matchFields(def, v, parseFieldSelector('metadata.name=x,metadata.namespace=ns,spec.nodeName=n1,spec.replicas=3,reason=Boom'), o), true);
    assert.equal(matchFields(def, v, parseFieldSelector('spec.nodeName!=n1'), o), false);
  });
});
