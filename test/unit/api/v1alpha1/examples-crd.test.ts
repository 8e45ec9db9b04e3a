// Every shipped example CR against the generated CRDs as an API server applies them: the test
// API server prunes, defaults, validates the OpenAPI schema and evaluates the CRDs' CEL rules
// (every nodenet rule is within its evaluator: none may be left unevaluated).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { raw } from '../../../kubeapi/index.js';
import { filesUnder } from '../../../helpers/repo.js';
import { pathOf, startKubeWorld, type KubeWorld, type Obj } from '../../../helpers/kube.js';
import { EXAMPLES } from './examples-load.js';
import type { Kind } from '../../../../api/v1alpha1/types.js';

let w: KubeWorld;
before(async () => {
  w = await startKubeWorld();
});
after(async () => {
  await w.stop();
});

const examples = (): { file: string; obj: Obj }[] =>
  filesUnder(EXAMPLES)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => ({ file, obj: d.toJS() as Obj })));

const dryRun = (o: Obj): ReturnType<typeof raw> =>
  raw(w.admin, { method: 'POST', path: `${pathOf(o.kind as Kind, undefined, o.metadata.namespace ?? 'default')}?dryRun=All&fieldValidation=Strict`, body: o });

test('every example CR under manifests/examples is accepted by the generated CRDs, CEL rules evaluated', async () => {
  const all = examples();
  assert.ok(all.length >= 18, `${all.length} example objects`);
  assert.ok(all.some((e) => e.file.includes('/kube/')) && all.some((e) => e.file.includes('/netconf/')));
  for (const { file, obj } of all) {
    const r = await dryRun(obj);
    assert.equal(r.code, 201, `${file} ${obj.kind}/${obj.metadata.name}: ${JSON.stringify(r.body)}`);
    assert.equal(r.headers['warning'], undefined, `${file}: no field pruned`);
  }
  assert.deepEqual(w.server.unevaluatedRules(), [], 'every CEL rule of the CRDs was evaluated');
});

test('the same path refuses a broken example with the CEL rule\'s message', async () => {
  const net = examples().find((e) => e.obj.kind === 'Network')!.obj;
  const bad = structuredClone(net);
  bad.spec.ipam.ipv4.gateway = '10.200.0.1';
  const r = await dryRun(bad);
  assert.equal(r.code, 422);
  assert.match(JSON.stringify(r.body), /10\.200\.0\.1 is outside subnet/);
});
