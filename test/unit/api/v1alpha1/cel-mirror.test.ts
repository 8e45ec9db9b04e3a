// Every CEL rule of the CRDs has a TS twin that file mode applies: for each rule, an object that
// breaks it must be refused by validateResource (or validateUpdate, for transition rules) at the
// rule's field, with the rule's message. A new CEL rule without an entry here fails the test.
// messageExpressions are evaluated by a tiny interpreter of the only form they use
// (concatenations of literals, self.x and string(self.x)), so kube mode and file mode say the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, type Resource } from '../../../../api/v1alpha1/types.js';
import { resourceSchema, type CelRule, type Schema } from '../../../../api/v1alpha1/schema.js';
import { validateResource, validateUpdate } from '../../../../api/v1alpha1/validate.js';
import { formatPath } from '../../../../api/v1alpha1/paths.js';
import { attachment, clone, network, sandbox } from './fixtures.js';

interface Found {
  where: string;
  rule: CelRule;
}

function collect(s: Schema, where: string, out: Found[]): Found[] {
  for (const rule of s['x-kubernetes-validations'] ?? []) out.push({ where, rule });
  for (const [k, v] of Object.entries(s.properties ?? {})) collect(v, `${where}.${k}`, out);
  if (s.items) collect(s.items, `${where}[]`, out);
  return out;
}

interface Twin {
  /** An object breaking the rule (and only it). */
  bad: () => Resource;
  /** For transition rules: the object before the update (bad() is the update). */
  old?: () => Resource;
  /** Path of `self` inside the object (list items get a concrete index). */
  self: (string | number)[];
  /** Where the TS twin reports it. */
  path: string;
  /** The message, when the messageExpression is beyond the little interpreter below. */
  message?: string;
}

const v6 = (): ReturnType<typeof network> => network('frontend', '10.88.0.0/24', { ipam: { ipv4: { subnet: '10.88.0.0/24' }, ipv6: { subnet: 'fd00:88::/64' } } });

const TWINS: Record<string, Twin> = {
  'Network.spec :: macvlan': { bad: () => network('n', '10.88.0.0/24', { driver: 'macvlan' }), self: ['spec'], path: 'spec.macvlan' },
  'Network.spec :: ipvlan': { bad: () => network('n', '10.88.0.0/24', { ipvlan: { parent: 'eth0' } }), self: ['spec'], path: 'spec.ipvlan' },
  'Network.spec :: vxlan': { bad: () => network('n', '10.88.0.0/24', { driver: 'vxlan' }), self: ['spec'], path: 'spec.vxlan' },
  'Network.spec :: bridge-only': {
    bad: () => network('n', '10.88.0.0/24', { driver: 'macvlan', macvlan: { parent: 'eth0' }, bridge: {} }),
    self: ['spec'],
    path: 'spec.bridge',
  },
  'Network.spec :: ipam-forbidden': { bad: () => network('n', '10.88.0.0/24', { driver: 'null' }), self: ['spec'], path: 'spec.ipam' },
  'Network.spec :: ipam-required': { bad: () => network('n', '10.88.0.0/24', { ipam: {} }), self: ['spec'], path: 'spec.ipam' },
  'Network.spec :: mtu-bridge': { bad: () => ({ ...v6(), spec: { ...v6().spec, bridge: { mtu: 1279 } } }), self: ['spec'], path: 'spec.bridge.mtu' },
  'Network.spec :: mtu-macvlan': {
    bad: () => ({ ...v6(), spec: { ...v6().spec, driver: 'macvlan', macvlan: { parent: 'eth0', mtu: 576 } } }),
    self: ['spec'],
    path: 'spec.macvlan.mtu',
  },
  'Network.spec :: mtu-ipvlan': {
    bad: () => ({ ...v6(), spec: { ...v6().spec, driver: 'ipvlan', ipvlan: { parent: 'eth0', mtu: 1000 } } }),
    self: ['spec'],
    path: 'spec.ipvlan.mtu',
  },
  'Network.spec :: mtu-vxlan': {
    bad: () => ({ ...v6(), spec: { ...v6().spec, driver: 'vxlan', vxlan: { vni: 7, mtu: 1200 } } }),
    self: ['spec'],
    path: 'spec.vxlan.mtu',
  },
  'Network.spec :: vxlan-gateway': {
    bad: () => network('n', '10.88.0.0/16', { driver: 'vxlan', vxlan: { vni: 7 }, ipam: { ipv4: { subnet: '10.88.0.0/16', gateway: '10.88.0.1' } } }),
    self: ['spec'],
    path: 'spec.ipam',
  },
  'Network.spec.bridge.name :: allowed': { bad: () => network('n', '10.88.0.0/24', { bridge: { name: 'nnv1' } }), self: ['spec', 'bridge', 'name'], path: 'spec.bridge.name' },
  'Network.spec.bridge.name :: immutable': {
    old: () => network('n', '10.88.0.0/24', { bridge: { name: 'br-a' } }),
    bad: () => network('n', '10.88.0.0/24', { bridge: { name: 'br-b' } }),
    self: ['spec', 'bridge', 'name'],
    path: 'spec.bridge.name',
  },
  'Network.spec.ipam.ipv4 :: gateway': {
    bad: () => network('n', '10.88.0.0/24', { ipam: { ipv4: { subnet: '10.88.0.0/24', gateway: '10.99.0.1' } } }),
    self: ['spec', 'ipam', 'ipv4'],
    path: 'spec.ipam.ipv4.gateway',
  },
  'Network.spec.ipam.ipv4 :: range': {
    bad: () => network('n', '10.88.0.0/24', { ipam: { ipv4: { subnet: '10.88.0.0/24', range: '10.0.0.0/8' } } }),
    self: ['spec', 'ipam', 'ipv4'],
    path: 'spec.ipam.ipv4.range',
  },
  'Network.spec.ipam.ipv4 :: reserved': {
    bad: () => network('n', '10.88.0.0/24', { ipam: { ipv4: { subnet: '10.88.0.0/24', reserved: ['10.88.1.1'] } } }),
    self: ['spec', 'ipam', 'ipv4'],
    path: 'spec.ipam.ipv4.reserved[0]',
    message: '10.88.1.1 is outside subnet 10.88.0.0/24', // CEL names the first offender
  },
  'Network.spec.ipam.ipv4.subnet :: immutable': {
    old: () => network('n', '10.88.0.0/24'),
    bad: () => network('n', '10.77.0.0/24'),
    self: ['spec', 'ipam', 'ipv4', 'subnet'],
    path: 'spec.ipam.ipv4.subnet',
  },
  'Network.spec.ipam.ipv6 :: gateway': {
    bad: () => network('n', '', { ipam: { ipv6: { subnet: 'fd00:88::/64', gateway: 'fd00:99::1' } } }),
    self: ['spec', 'ipam', 'ipv6'],
    path: 'spec.ipam.ipv6.gateway',
  },
  'Network.spec.ipam.ipv6 :: range': {
    bad: () => network('n', '', { ipam: { ipv6: { subnet: 'fd00:88::/64', range: 'fd00:89::/80' } } }),
    self: ['spec', 'ipam', 'ipv6'],
    path: 'spec.ipam.ipv6.range',
  },
  'Network.spec.ipam.ipv6 :: reserved': {
    bad: () => network('n', '', { ipam: { ipv6: { subnet: 'fd00:88::/64', reserved: ['fd00:88::5', 'fd00:1::5'] } } }),
    self: ['spec', 'ipam', 'ipv6'],
    path: 'spec.ipam.ipv6.reserved[1]',
    message: 'fd00:1::5 is outside subnet fd00:88::/64',
  },
  'Network.spec.ipam.ipv6.subnet :: immutable': {
    old: () => network('n', '', { ipam: { ipv6: { subnet: 'fd00:88::/64' } } }),
    bad: () => network('n', '', { ipam: { ipv6: { subnet: 'fd00:77::/64' } } }),
    self: ['spec', 'ipam', 'ipv6', 'subnet'],
    path: 'spec.ipam.ipv6.subnet',
  },
  'Sandbox.spec.netns :: xor': { bad: () => sandbox('s', { netns: { name: 'a', path: '/run/netns/a' } }), self: ['spec', 'netns'], path: 'spec.netns' },
  'Sandbox.spec.netns.path :: normalized': { bad: () => sandbox('s', { netns: { path: '/run/netns/..' } }), self: ['spec', 'netns', 'path'], path: 'spec.netns.path' },
  'Attachment.spec.interface :: lo': { bad: () => attachment('a', { interface: 'default' }), self: ['spec', 'interface'], path: 'spec.interface' },
  'Attachment.spec.macAddress :: zero': { bad: () => attachment('a', { macAddress: '00:00:00:00:00:00' }), self: ['spec', 'macAddress'], path: 'spec.macAddress' },
  'Attachment.spec.ports[] :: host-order': {
    bad: () => attachment('a', { ports: [{ hostPort: 80, containerPort: 80 }, { hostPort: 90, hostPortEnd: 89, containerPort: 90, containerPortEnd: 89 }] }),
    self: ['spec', 'ports', 1],
    path: 'spec.ports[1].hostPortEnd',
  },
  'Attachment.spec.ports[] :: container-order': {
    bad: () => attachment('a', { ports: [{ hostPort: 90, hostPortEnd: 89, containerPort: 90, containerPortEnd: 89 }] }),
    self: ['spec', 'ports', 0],
    path: 'spec.ports[0].containerPortEnd',
  },
  'Attachment.spec.ports[] :: lengths': {
    bad: () => attachment('a', { ports: [{ hostPort: 90, hostPortEnd: 91, containerPort: 90 }] }),
    self: ['spec', 'ports', 0],
    path: 'spec.ports[0]',
  },
  'Attachment.spec.ports[] :: width': {
    bad: () => attachment('a', { ports: [{ hostPort: 1, hostPortEnd: 1025, containerPort: 1, containerPortEnd: 1025 }] }),
    self: ['spec', 'ports', 0],
    path: 'spec.ports[0].hostPortEnd',
  },
};

/** Which twin a rule is: a short, stable name derived from the rule text. */
function twinName(f: Found): string {
  const r = f.rule.rule;
  const pick: [RegExp, string][] = [
    [/^has\(self\.(macvlan|ipvlan|vxlan)\) ==/, '$1'],
    [/^!has\(self\.bridge\) \|\| !has\(self\.driver\)/, 'bridge-only'],
    [/^!has\(self\.ipam\) \|\| !has\(self\.driver\)/, 'ipam-forbidden'],
    [/^\(has\(self\.driver\)/, 'ipam-required'],
    [/self\.driver != 'vxlan'/, 'vxlan-gateway'],
    [/has\(self\.(\w+)\.mtu\)/, 'mtu-$1'],
    [/^!\(self in \['lo', 'all', 'default'\]\) &&/, 'allowed'],
    [/^self == oldSelf$/, 'immutable'],
    [/containsIP\(self\.gateway\)/, 'gateway'],
    [/containsCIDR\(self\.range\)/, 'range'],
    [/self\.reserved\.all/, 'reserved'],
    [/^has\(self\.name\) != has\(self\.path\)$/, 'xor'],
    [/contains\('\/\.\.\/'\)/, 'normalized'],
    [/^!\(self in \['lo', 'all', 'default'\]\)$/, 'lo'],
    [/^self != '00:00:00:00:00:00'$/, 'zero'],
    [/self\.hostPortEnd >= self\.hostPort/, 'host-order'],
    [/self\.containerPortEnd >= self\.containerPort/, 'container-order'],
    [/\) == \(has\(self\.containerPortEnd\)/, 'lengths'],
    [/self\.hostPortEnd - self\.hostPort </, 'width'],
  ];
  for (const [re, name] of pick) {
    const m = re.exec(r);
    if (m) return `${f.where} :: ${name.replace('$1', m[1] ?? '')}`;
  }
  return `${f.where} :: ${r}`;
}

function at(obj: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], obj);
}

/** Evaluates messageExpressions of the form 'lit' + self.a.b + string(self.c) + ... */
function evalMessage(expr: string, self: unknown): string {
  const parts = expr.match(/'[^']*'|string\(self(?:\.\w+)+\)|self(?:\.\w+)+/g) ?? [];
  assert.equal(parts.join(' + '), expr.trim(), `unsupported messageExpression ${expr}`);
  return parts
    .map((p) => {
      if (p.startsWith("'")) return p.slice(1, -1);
      const path = p.replace(/^string\(|\)$/g, '').split('.').slice(1);
      return String(at(self, path));
    })
    .join('');
}

const rules = KINDS.flatMap((k) => collect(resourceSchema(k, 'crd'), k, []));

test('every CEL rule has a TS twin entry, and every entry a rule', () => {
  const names = rules.map(twinName);
  assert.deepEqual([...names].sort(), Object.keys(TWINS).sort());
  assert.equal(new Set(names).size, names.length, 'two rules map to one twin');
});

for (const f of rules) {
  const name = twinName(f);
  test(`CEL twin ${name}`, () => {
    const twin = TWINS[name];
    assert.ok(twin, `no twin for ${name}: ${f.rule.rule}`);
    const bad = clone(twin.bad());
    const self = at(bad, twin.self);
    assert.notEqual(self, undefined, 'self must exist for the rule to apply');
    const want = twin.message ?? f.rule.message ?? evalMessage(f.rule.messageExpression!, self);
    let errors;
    if (twin.old) {
      assert.deepEqual(validateResource(bad).errors, [], 'the new object is valid on its own');
      errors = validateUpdate(twin.old(), bad);
    } else {
      errors = validateResource(bad).errors;
    }
    assert.ok(
      errors.some((e) => e.path === twin.path && e.message === want),
      `want ${twin.path}: ${want}\n got ${JSON.stringify(errors)}`,
    );
    if (f.rule.fieldPath && !twin.path.includes('[')) assert.equal(formatPath(twin.self) + f.rule.fieldPath, twin.path);
  });
}

test('transition rules apply only when the field exists before and after (like the API server)', () => {
  assert.deepEqual(validateUpdate(network('n', '10.88.0.0/24'), network('n', '10.88.0.0/24', { bridge: { name: 'br-x' } })), []);
  assert.deepEqual(validateUpdate(network('n', '10.88.0.0/24', { bridge: { name: 'br-x' } }), network('n', '10.88.0.0/24')), []);
  assert.deepEqual(validateUpdate(network('n', '10.88.0.0/24'), network('n', '10.88.0.0/24')), []);
  assert.deepEqual(validateUpdate(sandbox('a'), sandbox('a', { hostname: 'b' })), []);
});
