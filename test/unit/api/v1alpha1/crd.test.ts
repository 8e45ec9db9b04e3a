// The committed CRDs are current, well-formed, and accept every example CR by themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { crdFileName, generateCrds, renderCrdFiles } from '../../../../api/v1alpha1/crd.js';
import { CRD_DIR, staleCrdFiles } from '../../../../api/v1alpha1/gen-crds.js';
import { isDateTime, KUBE_KEYWORDS } from '../../../../api/v1alpha1/structural.js';
import type { Schema } from '../../../../api/v1alpha1/schema.js';
import { EXAMPLES, loadExampleDir } from './examples-load.js';
import { filesUnder } from '../../../helpers/repo.js';

test('committed CRDs in manifests/crds are not stale (run npm run gen:crds)', () => {
  assert.deepEqual(staleCrdFiles(), []);
});

test('staleCrdFiles notices a changed, a missing and an extra file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nn-crds-'));
  try {
    for (const [name, text] of renderCrdFiles()) writeFileSync(join(dir, name), text);
    assert.deepEqual(staleCrdFiles(dir), []);
    writeFileSync(join(dir, 'nodenet.io_networks.yaml'), readFileSync(join(dir, 'nodenet.io_networks.yaml'), 'utf8').replace('maxLength: 15', 'maxLength: 16'));
    rmSync(join(dir, 'nodenet.io_sandboxes.yaml'));
    writeFileSync(join(dir, 'old.yaml'), 'x: 1\n');
    assert.deepEqual(staleCrdFiles(dir).sort(), ['nodenet.io_networks.yaml', 'nodenet.io_sandboxes.yaml', 'old.yaml']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('committed CRD YAML reads back as exactly the generated objects', () => {
  for (const crd of generateCrds()) assert.deepEqual(parse(readFileSync(join(CRD_DIR, crdFileName(crd)), 'utf8')), crd);
});

test('CRD names, scopes, status subresource, printer columns, short names and categories', () => {
  const byKind = Object.fromEntries(generateCrds().map((c) => [c.spec.names.kind, c]));
  const summary = (k: string): unknown => {
    const c = byKind[k]!;
    const v = c.spec.versions[0]!;
    return {
      name: c.metadata.name,
      scope: c.spec.scope,
      short: c.spec.names.shortNames,
      categories: c.spec.names.categories,
      version: [v.name, v.served, v.storage, v.subresources],
      columns: v.additionalPrinterColumns.filter((p) => !p.priority).map((p) => p.name),
    };
  };
  const version = ['v1alpha1', true, true, { status: {} }];
  assert.deepEqual(summary('Network'), { name: 'networks.nodenet.io', scope: 'Cluster', short: ['nnet'], categories: ['nodenet'], version, columns: ['Driver', 'Subnet', 'Ready', 'Age'] });
  assert.deepEqual(summary('Sandbox'), { name: 'sandboxes.nodenet.io', scope: 'Namespaced', short: ['nsbx'], categories: ['nodenet'], version, columns: ['Node', 'Netns', 'Ready', 'Age'] });
  assert.deepEqual(summary('Attachment'), {
    name: 'attachments.nodenet.io',
    scope: 'Namespaced',
    short: ['natt'],
    categories: ['nodenet'],
    version,
    columns: ['Network', 'Sandbox', 'IP', 'Ready', 'Age'],
  });
  const ready = byKind.Attachment!.spec.versions[0]!.additionalPrinterColumns.find((c) => c.name === 'Ready');
  assert.equal(ready?.jsonPath, '.status.conditions[?(@.type=="Ready")].status');
  // Agents watch only their node's sandboxes (fieldSelector spec.nodeName=<node>, Kubernetes >= 1.31).
  assert.deepEqual(byKind.Sandbox!.spec.versions[0]!.selectableFields, [{ jsonPath: '.spec.nodeName' }]);
  assert.equal(byKind.Network!.spec.versions[0]!.selectableFields, undefined);
  assert.equal(byKind.Attachment!.spec.versions[0]!.selectableFields, undefined);
});

test('Network status in kube mode: per-node entries as a list-map keyed by node, plus the summary counts', () => {
  const net = generateCrds().find((c) => c.spec.names.kind === 'Network')!;
  const status = net.spec.versions[0]!.schema.openAPIV3Schema.properties!.status!;
  const nodes = status.properties!.nodes!;
  assert.equal(nodes['x-kubernetes-list-type'], 'map');
  assert.deepEqual(nodes['x-kubernetes-list-map-keys'], ['node']);
  assert.deepEqual(nodes.items!.required, ['node']);
  // Each entry carries exactly what file mode reports for the network, plus the node.
  const fileFields = Object.keys(status.properties!).filter((k) => !['nodes', 'nodeCount', 'readyNodes'].includes(k)).sort();
  assert.deepEqual(Object.keys(nodes.items!.properties!).sort(), ['node', ...fileFields].sort());
  assert.ok(nodes.maxItems! >= 1000);
});

/** An ajv that reads the CRD's OpenAPI v3 dialect: x-kubernetes-* carry no meaning for it, formats as Kubernetes knows them. */
function openApiAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, formats: { 'date-time': isDateTime } });
  ajv.addVocabulary([...KUBE_KEYWORDS]);
  return ajv;
}

/** Paths of fields the API server would prune (not declared in the structural schema). */
function pruned(schema: Schema, value: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => schema.items && pruned(schema.items, v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (path === '' && k === 'metadata') continue; // ObjectMeta belongs to the API server
      if (!sub) out.push(`${path}.${k}`);
      else pruned(sub, v, `${path}.${k}`, out);
    }
  }
  return out;
}

test('every example CR validates against its generated CRD openAPIV3Schema (separate ajv), and nothing would be pruned', () => {
  const ajv = openApiAjv();
  const schemas = new Map<string, Schema>(generateCrds().map((c) => [c.spec.names.kind, c.spec.versions[0]!.schema.openAPIV3Schema]));
  const validators = new Map([...schemas].map(([k, s]) => [k, ajv.compile(s)]));
  let checked = 0;
  for (const file of filesUnder(EXAMPLES).filter((f) => /\.ya?ml$/.test(f))) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const cr = doc.toJS() as { kind: string; apiVersion: string };
      const validate = validators.get(cr.kind);
      assert.ok(validate, `${file}: unknown kind ${cr.kind}`);
      assert.equal(cr.apiVersion, 'nodenet.io/v1alpha1');
      assert.ok(validate(cr), `${file} ${cr.kind}: ${JSON.stringify(validate.errors)}`);
      assert.deepEqual(pruned(schemas.get(cr.kind)!, cr, '', []), [], `${file}: fields the API server would drop`);
      checked++;
    }
  }
  assert.equal(checked, 38, 'nine objects in netconf/, nine in kube/, twenty in drivers/');
});

test('the CRD schema check is not vacuous: it refuses a bad CR and reports an undeclared field', () => {
  const crd = generateCrds().find((c) => c.spec.names.kind === 'Attachment')!;
  const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
  const validate = openApiAjv().compile(schema);
  const good = loadExampleDir('kube').objects.find((o) => o.object.kind === 'Attachment')!.object;
  assert.ok(validate(good));
  const bad = structuredClone(good) as unknown as { spec: { ports?: { hostPort: number }[]; prots?: unknown } };
  bad.spec.ports = [{ hostPort: 70000 }];
  assert.equal(validate(bad), false);
  bad.spec.prots = [];
  assert.deepEqual(pruned(schema, bad, '', []), ['.spec.prots']);
});
