// Validation and admission: OpenAPI schema (422 with causes), pruning and defaulting, strict field
// validation, CEL rules (incl. transition rules), unevaluable rules, admission hooks, users and
// authorization, fault injection and request counters.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { raw } from '../../kubeapi/index.js';
import { widget, WIDGETS, withWidgets, type Harness } from './fixtures.js';

const merge = 'application/merge-patch+json';
type Cause = { reason: string; field: string; message: string };
const causes = (body: { details?: { causes?: Cause[] } }): Cause[] => body.details?.causes ?? [];

describe('kubeapi validation and admission', () => {
  let h: Harness;
  before(async () => {
    h = await withWidgets({ users: { 'node-a': 'token-a', 'node-b': 'token-b' } });
  });
  after(async () => {
    await h.server.stop();
  });

  it('rejects schema violations with 422 Invalid and one cause per field', async () => {
    const r = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('bad', { size: -1, color: 'green', tags: ['waytoolongtag'] }) });
    assert.equal(r.code, 422);
    assert.equal(r.body.reason, 'Invalid');
    assert.equal(r.body.details.kind, 'Widget');
    assert.equal(r.body.details.group, 'test.example.com');
    const byField = Object.fromEntries(causes(r.body).map((c) => [c.field, c]));
    assert.equal(byField['spec.nodeName']?.reason, 'FieldValueRequired');
    assert.equal(byField['spec.color']?.reason, 'FieldValueNotSupported');
    assert.match(byField['spec.color']!.message, /Unsupported value: "green": supported values: "red", "blue"/);
    assert.equal(byField['spec.size']?.reason, 'FieldValueInvalid');
    assert.match(byField['spec.size']!.message, /should be greater than or equal to 0/);
    assert.equal(byField['spec.tags[0]']?.reason, 'FieldValueTooLong');
    assert.match(r.body.message, /^Widget.test.example.com "bad" is invalid: \[/);
    const type = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('bad2', { nodeName: 'n', size: 'big', maxSize: 0 }) });
    assert.equal(causes(type.body)[0]?.field, 'spec.size');
    assert.equal(causes(type.body)[0]?.reason, 'FieldValueTypeInvalid');
    assert.match(causes(type.body)[0]!.message, /must be of type integer/);
    assert.match(causes(type.body)[1]!.message, /some validation rules were not checked/, 'a type error blocks CEL');
    const both = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('bad3', { nodeName: 'n', size: 4, maxSize: 2, color: 'green' }) });
    assert.deepEqual(causes(both.body).map((c) => c.field), ['spec.color', 'spec.maxSize'], 'other schema errors do not stop CEL');
    const dup = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('dupcond', { nodeName: 'n' }) });
    assert.equal(dup.code, 201);
    const conds = { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Ready', status: 'False' }] } };
    const dupStatus = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/dupcond/status`, contentType: merge, body: conds });
    assert.equal(dupStatus.code, 422, 'listType=map keys must be unique');
    assert.deepEqual(causes(dupStatus.body), [{ reason: 'FieldValueDuplicate', message: 'Duplicate value: {"type":"Ready"}', field: 'status.conditions[1]' }]);
    const badName = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('Not_A_Name') });
    assert.equal(causes(badName.body)[0]?.field, 'metadata.name');
  });

  it('prunes unknown fields (warning by default, 400 with fieldValidation=Strict) and applies defaults', async () => {
    const r = await raw(h.admin, { method: 'POST', path: WIDGETS, body: { ...widget('pr', { nodeName: 'n', extra: 1 }), top: true } });
    assert.equal(r.code, 201);
    assert.equal(r.body.spec.extra, undefined);
    assert.equal(r.body.top, undefined);
    assert.equal(r.body.spec.size, 1, 'default filled in');
    assert.match(String(r.headers['warning']), /unknown field \\"spec.extra\\"/);
    const strict = await raw(h.admin, { method: 'POST', path: `${WIDGETS}?fieldValidation=Strict`, body: widget('pr2', { nodeName: 'n', extra: 1 }) });
    assert.equal(strict.code, 400);
    assert.equal(strict.body.message, 'strict decoding error: unknown field "spec.extra"');
  });

  it('evaluates CEL rules with fieldPath, messageExpression and transition rules', async () => {
    const r = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('cel', { nodeName: 'n', size: 4, maxSize: 2 }) });
    assert.equal(r.code, 422);
    assert.deepEqual(causes(r.body), [{ reason: 'FieldValueInvalid', field: 'spec.maxSize', message: 'Invalid value: "object": maxSize must be >= size' }]);
    const blue = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('cel', { nodeName: 'n', size: 9, color: 'blue' }) });
    assert.equal(causes(blue.body)[0]?.message, 'Invalid value: "object": blue widgets are at most 5, got 9');
    assert.equal(causes(blue.body)[0]?.field, 'spec');
    const ok = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('cel', { nodeName: 'n', size: 4, maxSize: 5 }) });
    assert.equal(ok.code, 201, 'the transition rule does not run on create');
    const moved = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/cel`, contentType: merge, body: { spec: { nodeName: 'elsewhere' } } });
    assert.equal(moved.code, 422);
    assert.deepEqual(causes(moved.body), [{ reason: 'FieldValueInvalid', field: 'spec.nodeName', message: 'Invalid value: "string": nodeName is immutable' }]);
    const same = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/cel`, contentType: merge, body: { spec: { size: 5 } } });
    assert.equal(same.code, 200);
  });

  it('accepts rules it cannot evaluate and lists them for the test', async () => {
    const r = await raw(h.admin, { method: 'POST', path: WIDGETS, body: widget('qty', { nodeName: 'n', amount: '-5' }) });
    assert.equal(r.code, 201, 'an unsupported rule is not enforced');
    const un = h.server.unevaluatedRules();
    assert.ok(un.some((u) => u.rule.startsWith('!has(self.amount) || quantity(') && u.path === 'spec' && /quantity\(\) is not supported/.test(u.why)), JSON.stringify(un));
  });

  it('lets an admission hook deny writes (403 by default, 422 on request) and see user, operation and both objects', async () => {
    const seen: string[] = [];
    const off = h.server.onAdmission((req) => {
      seen.push(`${req.user} ${req.operation} ${req.verb} ${req.resource}${req.subresource ? `/${req.subresource}` : ''} ${req.name} old=${req.oldObject ? 'y' : 'n'}`);
      if (req.resource !== 'widgets' || req.operation === 'DELETE') return undefined;
      const node = (req.object?.['spec'] as { nodeName?: string } | undefined)?.nodeName;
      if (req.user.startsWith('node-') && node !== req.user) return { allowed: false, message: `${req.user} may only write widgets of its own node` };
      if (req.object?.metadata.labels?.['forbidden'] === 'yes') return { allowed: false, code: 422, message: 'label forbidden=yes is not allowed' };
      return undefined;
    });
    try {
      const asA = h.server.rawTarget('node-a');
      const other = await raw(asA, { method: 'POST', path: WIDGETS, body: widget('adm', { nodeName: 'node-b' }) });
      assert.equal(other.code, 403);
      assert.equal(other.body.reason, 'Forbidden');
      assert.equal(other.body.message, 'widgets.test.example.com "adm" is forbidden: node-a may only write widgets of its own node');
      const own = await raw(asA, { method: 'POST', path: WIDGETS, body: widget('adm', { nodeName: 'node-a' }) });
      assert.equal(own.code, 201);
      const invalidLabel = await raw(h.admin, { method: 'PATCH', path: `${WIDGETS}/adm`, contentType: merge, body: { metadata: { labels: { forbidden: 'yes' } } } });
      assert.equal(invalidLabel.code, 422);
      assert.match(invalidLabel.body.message, /is invalid: label forbidden=yes is not allowed/);
      await raw(h.admin, { method: 'DELETE', path: `${WIDGETS}/adm` });
      assert.deepEqual(seen, [
        'node-a CREATE create widgets adm old=n',
        'node-a CREATE create widgets adm old=n',
        'admin UPDATE patch widgets adm old=y',
        'admin DELETE delete widgets adm old=y',
      ]);
    } finally {
      off();
    }
    const after = await raw(h.server.rawTarget('node-a'), { method: 'POST', path: WIDGETS, body: widget('adm2', { nodeName: 'node-b' }) });
    assert.equal(after.code, 201, 'the hook is gone after unregistering');
  });

  it('authenticates bearer tokens per user and supports an RBAC-like authorizer', async () => {
    const none = await raw(h.admin, { path: WIDGETS, token: '' });
    assert.equal(none.code, 401);
    assert.equal(none.body.reason, 'Unauthorized');
    const wrong = await raw(h.admin, { path: WIDGETS, token: 'nope' });
    assert.equal(wrong.code, 401);
    const off = h.server.onAuthorize((r) => r.user !== 'node-b' || r.verb === 'get' || r.verb === 'list' || r.verb === 'watch');
    try {
      const b = { url: h.server.url, token: 'token-b', caPem: h.server.caPem! };
      assert.equal((await raw(b, { path: WIDGETS })).code, 200);
      const w = await raw(b, { method: 'POST', path: WIDGETS, body: widget('rb', { nodeName: 'node-b' }) });
      assert.equal(w.code, 403);
      assert.match(w.body.message, /User "node-b" cannot create resource "widgets" in API group "test.example.com" in the namespace "default"/);
    } finally {
      off();
    }
  });

  it('injects faults for the next matching requests and counts requests by verb', async () => {
    h.server.resetRequests();
    h.server.failNext({ verb: 'list', resource: 'widgets', code: 503, count: 2, message: 'etcd is down' });
    const a = await raw(h.admin, { path: WIDGETS });
    const b = await raw(h.admin, { path: WIDGETS });
    const c = await raw(h.admin, { path: WIDGETS });
    assert.deepEqual([a.code, b.code, c.code], [503, 503, 200]);
    assert.equal(a.body.reason, 'ServiceUnavailable');
    assert.equal(a.body.message, 'etcd is down');
    h.server.failNext({ path: /\/widgets\/x$/, code: 500 });
    assert.equal((await raw(h.admin, { path: `${WIDGETS}/x` })).code, 500);
    assert.equal((await raw(h.admin, { path: `${WIDGETS}/x` })).code, 404);
    assert.equal(h.server.countRequests({ verb: 'list', resource: 'widgets' }), 3);
    assert.equal(h.server.countRequests({ verb: 'get', name: 'x' }), 2);
    assert.equal(h.server.requests({ verb: 'list' })[0]!.code, 503);
  });
});
