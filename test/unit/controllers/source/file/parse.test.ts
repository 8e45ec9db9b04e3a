// parseManifestFile: documents, origins, the line of every failing field, namespace defaulting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseManifestFile } from '../../../../../controllers/source/file/parse.js';

const WEB = `# web tier
apiVersion: nodenet.io/v1alpha1
kind: Sandbox
metadata:
  name: web-1
spec: {}
---
apiVersion: nodenet.io/v1alpha1
kind: Attachment
metadata:
  name: web-1-frontend
spec:
  sandbox: web-1
  network: frontend
  ports:
    - hostPort: 70000
      containerPort: 80
`;

test('the example line: file:line (doc, Kind namespace/name) path: message', () => {
  const r = parseManifestFile('netconf/web.yaml', WEB);
  assert.equal(r.objects.length, 1);
  assert.deepEqual(r.problems.map(formatProblem), [
    'netconf/web.yaml:16 (doc 2, Attachment default/web-1-frontend) spec.ports[0].hostPort: must be <= 65535',
  ]);
  assert.deepEqual(r.problems[0]!.origin, { source: 'netconf/web.yaml', doc: 2, line: 8 });
  assert.deepEqual(r.objects[0]!.origin, { source: 'netconf/web.yaml', doc: 1, line: 2 });
});

test('documents: empty ones are skipped but counted, good ones load next to bad ones', () => {
  const text = `---
# only a comment
---
apiVersion: nodenet.io/v1alpha1
kind: Network
metadata: {name: frontend}
spec: {ipam: {ipv4: {subnet: 10.88.0.0/24}}}
---
---
~
---
apiVersion: nodenet.io/v1alpha1
kind: Network
metadata: {name: backend}
spec: {ipam: {ipv4: {subnet: 10.89.0.0/24}}}
`;
  const r = parseManifestFile('n.yaml', text);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.objects.map((o) => [o.object.metadata.name, o.origin.doc, o.origin.line]),
    [
      ['frontend', 2, 4],
      ['backend', 5, 12],
    ],
  );
});

test('each failing field carries its own line: unknown field, missing field, semantic error, flow style, quoted keys', () => {
  const text = `apiVersion: nodenet.io/v1alpha1
kind: Network
metadata:
  name: frontend
spec:
  bridge:
    masquerad: true
  ipam:
    ipv4: {subnet: 10.88.0.0/24,
      gateway: 10.99.0.1}
  nodeSelector:
    "a/b/c": x
---
apiVersion: nodenet.io/v1alpha1
kind: Attachment
metadata:
  name: a
spec:
  network: frontend
`;
  const r = parseManifestFile('f.yaml', text);
  assert.deepEqual(r.problems.map(formatProblem), [
    'f.yaml:7 (doc 1, Network frontend) spec.bridge.masquerad: unknown field (did you mean "masquerade"?)',
    'f.yaml:18 (doc 2, Attachment default/a) spec.sandbox: is required',
  ]);
  // Once the typo is fixed, the semantic errors show with their lines.
  const fixed = parseManifestFile('f.yaml', text.replace('masquerad:', 'masquerade:'));
  assert.deepEqual(fixed.problems.map(formatProblem)[0]!.split('\n'), [
    'f.yaml:10 (doc 1, Network frontend) spec.ipam.ipv4.gateway: 10.99.0.1 is outside subnet 10.88.0.0/24',
    'f.yaml:12 (doc 1, Network frontend) spec.nodeSelector["a/b/c"]: nodeSelector keys must be label keys like kubernetes.io/hostname',
  ]);
  assert.deepEqual(
    fixed.problems[0]!.errors.map((e) => e.line),
    [10, 12],
  );
});

test('non-mappings, unknown apiVersion and kind are reported per document', () => {
  const text = `- a
- b
---
just a string
---
apiVersion: v1
kind: ConfigMap
metadata: {name: x}
---
apiVersion: nodenet.io/v1alpha1
kind: Netwrok
metadata: {name: x}
spec: {}
`;
  assert.deepEqual(parseManifestFile('x.yaml', text).problems.map(formatProblem), [
    'x.yaml:1 (doc 1) must be a mapping with apiVersion, kind, metadata and spec, got a list',
    'x.yaml:4 (doc 2) must be a mapping with apiVersion, kind, metadata and spec, got "just a string"',
    'x.yaml:6 (doc 3, ConfigMap x) apiVersion: must be nodenet.io/v1alpha1, got "v1"\nx.yaml:7 (doc 3, ConfigMap x) kind: must be one of Network, Sandbox, Attachment, got "ConfigMap"',
    'x.yaml:11 (doc 4, Netwrok x) kind: must be one of Network, Sandbox, Attachment, got "Netwrok" (did you mean "Network"?)',
  ]);
});

test('namespaces: Sandbox and Attachment default to "default", explicit ones stay, a Network may not have one', () => {
  const text = `apiVersion: nodenet.io/v1alpha1
kind: Sandbox
metadata: {name: a}
spec: {}
---
apiVersion: nodenet.io/v1alpha1
kind: Sandbox
metadata: {name: b, namespace: team-a}
spec: {}
---
apiVersion: nodenet.io/v1alpha1
kind: Network
metadata:
  name: n
  namespace: default
spec: {driver: "null"}
`;
  const r = parseManifestFile('ns.yaml', text);
  assert.deepEqual(
    r.objects.map((o) => o.object.metadata.namespace),
    ['default', 'team-a'],
  );
  assert.deepEqual(r.problems.map(formatProblem), ['ns.yaml:15 (doc 3, Network default/n) metadata.namespace: Network is cluster-scoped: remove metadata.namespace']);
});

test('YAML errors (syntax, duplicate keys) come with their line', () => {
  const r = parseManifestFile('bad.yaml', 'apiVersion: nodenet.io/v1alpha1\nkind: Sandbox\nkind: Sandbox\n');
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.errors[0]!.line, 3);
  assert.match(formatProblem(r.problems[0]!), /^bad\.yaml:3 \(doc 1\) YAML: Map keys must be unique/);
  const syntax = parseManifestFile('s.yaml', 'a: [1, 2\nb: 3\n');
  assert.equal(syntax.problems.length, 1);
  assert.match(formatProblem(syntax.problems[0]!), /^s\.yaml:\d+ \(doc 1\) YAML: /);
});

test('status in a file is validated but dropped: in file mode it is output only', () => {
  const base = `apiVersion: nodenet.io/v1alpha1
kind: Sandbox
metadata: {name: a}
spec: {}
status:
  adopted: `;
  const ok = parseManifestFile('s.yaml', base + 'true\n');
  assert.equal(ok.objects.length, 1);
  assert.equal('status' in ok.objects[0]!.object, false);
  const bad = parseManifestFile('s.yaml', base + 'maybe\n');
  assert.deepEqual(bad.problems.map(formatProblem), ['s.yaml:6 (doc 1, Sandbox default/a) status.adopted: must be a boolean, got "maybe"']);
});

test('kubectl get -o yaml output loads: server-set metadata is accepted', () => {
  const text = `apiVersion: nodenet.io/v1alpha1
kind: Sandbox
metadata:
  name: a
  namespace: default
  uid: 0b5e7d1c-1111-2222-3333-444455556666
  resourceVersion: "123"
  generation: 2
  creationTimestamp: "2024-05-01T10:00:00Z"
  labels: {app: web}
  annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}
  managedFields:
    - manager: kubectl
      operation: Apply
      fieldsV1: {f:spec: {f:hostname: {}}}
spec: {hostname: a}
`;
  const r = parseManifestFile('get.yaml', text);
  assert.deepEqual(r.problems, []);
  assert.equal(r.objects.length, 1);
  const badTime = parseManifestFile('get.yaml', text.replace('"2024-05-01T10:00:00Z"', 'yesterday'));
  assert.deepEqual(badTime.problems.map(formatProblem), [
    'get.yaml:9 (doc 1, Sandbox default/a) metadata.creationTimestamp: must be an RFC 3339 time like 2024-05-01T10:00:00Z, got "yesterday"',
  ]);
});

test('formatProblem without document or kind: file-level problems', () => {
  assert.equal(
    formatProblem({ origin: { source: 'a.yaml' }, errors: [{ path: '', message: 'file is too big' }] }),
    'a.yaml file is too big',
  );
  assert.equal(
    formatProblem({ origin: { source: 'a.yaml', line: 3 }, kind: 'Network', errors: [{ path: 'spec', message: 'is required' }] }),
    'a.yaml:3 (Network) spec: is required',
  );
});
