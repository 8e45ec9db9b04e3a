// The CEL subset evaluator and the x-kubernetes-validations walker, on the rule shapes nodenet's
// CRDs use (has, ternaries, size, in, all(), matches, ip/cidr functions, string(), oldSelf).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../../kubeapi/cel/eval.js';
import { parseCel } from '../../kubeapi/cel/parser.js';
import { RuleChecker } from '../../kubeapi/cel/rules.js';
import { CelEvalError, CelUnsupported } from '../../kubeapi/cel/values.js';
import type { JsonObject } from '../../kubeapi/types.js';

const ev = (src: string, self: unknown, oldSelf?: unknown): unknown => evaluate(parseCel(src), { self, ...(oldSelf !== undefined ? { oldSelf } : {}) });

describe('CEL evaluator', () => {
  it('evaluates literals, arithmetic, comparison and precedence', () => {
    assert.equal(ev('1 + 2 * 3 == 7 && !(2 > 3) || false', null), true);
    assert.equal(ev('7 / 2', null), 3, 'integer division truncates');
    assert.equal(ev('7 % 3', null), 1);
    assert.equal(ev('-self.a + 10', { a: 4 }), 6);
    assert.equal(ev("'a' + \"b\" + r'\\d'", null), 'ab\\d');
    assert.equal(ev("'''x'y'''", null), "x'y");
    assert.equal(ev('0x10 == 16', null), true);
    assert.equal(ev('self.a < self.b ? "lt" : "ge"', { a: 1, b: 2 }), 'lt');
    assert.equal(ev("'a' < 'b'", null), true);
  });

  it('handles field access, has(), indexing, in, size and string functions', () => {
    const self = { name: 'nn-web', list: ['a', 'b'], map: { k: 'v' }, nested: { x: 1 } };
    assert.equal(ev('has(self.nested) && !has(self.missing) && has(self.nested.x)', self), true);
    assert.equal(ev("self.list[1] == 'b' && self.map['k'] == 'v'", self), true);
    assert.equal(ev("'a' in self.list && 'k' in self.map && !('z' in self.list)", self), true);
    assert.equal(ev("self.name in ['bridge', 'vxlan']", { name: 'vxlan' }), true);
    assert.equal(ev('size(self.list) == 2 && self.name.size() == 6 && size(self.map) == 1', self), true);
    assert.equal(ev("self.name.startsWith('nn-') && self.name.endsWith('web') && self.name.contains('-w')", self), true);
    assert.equal(ev("self.name.matches('^nn-[a-z]+$') && !self.name.matches('^x')", self), true);
    assert.equal(ev("string(self.nested.x) + 'x' == '1x'", self), true);
    assert.equal(ev("self.name.upperAscii() == 'NN-WEB'", self), true);
  });

  it('runs the all/exists/exists_one/map/filter macros over lists and map keys', () => {
    const self = { ports: [{ p: 80 }, { p: 443 }], sel: { 'kubernetes.io/hostname': 'a', tier: 'b' } };
    assert.equal(ev('self.ports.all(x, x.p > 0 && x.p < 65536)', self), true);
    assert.equal(ev('self.ports.exists(x, x.p == 443)', self), true);
    assert.equal(ev('self.ports.exists_one(x, x.p > 100)', self), true);
    assert.deepEqual(ev('self.ports.map(x, x.p * 2)', self), [160, 886]);
    assert.deepEqual(ev('self.ports.filter(x, x.p > 100)', self), [{ p: 443 }]);
    assert.equal(ev("self.sel.all(k, size(k) <= 63 && k.matches(r'^([a-z0-9.]+/)?[a-z]+$'))", self), true);
    assert.equal(ev("self.sel.all(k, k != 'tier')", self), false);
  });

  it('implements the Kubernetes ip/cidr library', () => {
    const pool = { subnet: '10.88.0.0/24', gateway: '10.88.0.1', range: '10.88.0.128/25', reserved: ['10.88.0.5', '10.89.0.1'] };
    assert.equal(ev('isCIDR(self.subnet) && isIP(self.gateway) && !isIP(self.subnet) && !isCIDR(self.gateway)', pool), true);
    assert.equal(ev('cidr(self.subnet).containsIP(self.gateway)', pool), true);
    assert.equal(ev('cidr(self.subnet).containsCIDR(self.range)', pool), true);
    assert.equal(ev('self.reserved.all(r, !isIP(r) || cidr(self.subnet).containsIP(r))', pool), false);
    assert.equal(ev("cidr('fd00:88::/64').containsIP('fd00:88::1') && !cidr('fd00:88::/64').containsIP('10.0.0.1')", null), true);
    assert.equal(ev("cidr('10.0.0.0/8').prefixLength() == 8 && ip('::1').family() == 6 && ip('127.0.0.1').isLoopback()", null), true);
    assert.throws(() => ev("ip('300.1.1.1')", null), CelEvalError);
  });

  it('absorbs errors in logical operators like CEL, and reports missing fields as errors', () => {
    assert.equal(ev('true || self.missing == 1', {}), true);
    assert.equal(ev('self.missing == 1 || true', {}), true);
    assert.equal(ev('false && self.missing == 1', {}), false);
    assert.throws(() => ev('self.missing == 1', {}), (e: unknown) => e instanceof CelEvalError && /no such key: missing/.test(e.message));
    assert.throws(() => ev("1 + 'a'", null), CelEvalError);
  });

  it('raises CelUnsupported for functions outside the subset', () => {
    assert.throws(() => ev("quantity('1Gi').isGreaterThan(quantity('1'))", null), CelUnsupported);
    assert.throws(() => ev("url('https://x').getHost() == 'x'", null), CelUnsupported);
  });
});

describe('x-kubernetes-validations walker', () => {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [{ rule: 'has(self.name) != has(self.path)', message: 'set exactly one of name and path' }],
        properties: {
          name: { type: 'string' },
          path: { type: 'string' },
          subnet: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'subnet is immutable' }] },
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: {
              type: 'object',
              'x-kubernetes-validations': [
                { rule: '!has(self.end) || self.end >= self.port', message: 'end must be >= port', fieldPath: '.end' },
                { rule: 'self.port == oldSelf.port || self.port > 1024', message: 'can only move to unprivileged ports' },
              ],
              properties: { name: { type: 'string' }, port: { type: 'integer' }, end: { type: 'integer' } },
            },
          },
          labels: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != ''", message: 'empty', reason: 'FieldValueRequired' }] } },
        },
      },
    },
  };
  const check = (obj: unknown, old?: unknown): RuleChecker => {
    const c = new RuleChecker();
    c.check(schema as unknown as JsonObject, obj, old, '');
    return c;
  };

  it('reports failures with their field paths, messages and reasons', () => {
    const c = check({ spec: { name: 'a', path: '/x', ports: [{ name: 'http', port: 80, end: 70 }], labels: { k: '' } } });
    assert.deepEqual(c.causes, [
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": set exactly one of name and path' },
      { reason: 'FieldValueInvalid', field: 'spec.ports[0].end', message: 'Invalid value: "object": end must be >= port' },
      { reason: 'FieldValueRequired', field: 'spec.labels[k]', message: 'Required value: empty' },
    ]);
  });

  it('runs transition rules only where an old value correlates', () => {
    assert.deepEqual(check({ spec: { name: 'a', subnet: '10.0.0.0/24', ports: [{ name: 'http', port: 80 }] } }).causes, [], 'create: no oldSelf');
    const old = { spec: { name: 'a', subnet: '10.0.0.0/24', ports: [{ name: 'http', port: 80 }] } };
    const moved = check({ spec: { name: 'a', subnet: '10.1.0.0/24', ports: [{ name: 'dns', port: 53 }, { name: 'http', port: 81 }] } }, old);
    assert.deepEqual(moved.causes.map((c) => `${c.field}: ${c.message}`), [
      'spec.subnet: Invalid value: "string": subnet is immutable',
      'spec.ports[1]: Invalid value: "object": can only move to unprivileged ports',
    ], 'the new "dns" item has no old counterpart; "http" correlates by key');
  });
});
