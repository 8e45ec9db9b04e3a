import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSource } from '../../../../../controllers/source/file/source.js';
import { DesiredStore, type Change } from '../../../../../controllers/store/desired.js';

const net = (name: string, subnet: string, mtu = 1500): string =>
  `apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: ${name}}\nspec:\n  bridge: {mtu: ${mtu}}\n  ipam:\n    ipv4: {subnet: ${subnet}}\n`;
const sandbox = (name: string): string => `apiVersion: nodenet.io/v1alpha1\nkind: Sandbox\nmetadata: {name: ${name}}\nspec: {}\n`;

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function setup(opts: { removalGraceMs?: number } = {}): { dir: string; store: DesiredStore; changes: Change[][]; source: FileSource } {
  const dir = mkdtempSync(join(tmpdir(), 'nodenet-src-'));
  const store = new DesiredStore(() => []);
  const changes: Change[][] = [];
  store.onChange((c) => changes.push(c));
  return { dir, store, changes, source: new FileSource({ dir, debounceMs: 10, ...opts }) };
}

test('initial scan finds multi-document files in nested folders, ignoring other files', async (t) => {
  const { dir, store, source } = setup();
  mkdirSync(join(dir, 'a/b'), { recursive: true });
  writeFileSync(join(dir, 'nets.yaml'), net('frontend', '10.88.0.0/24') + '---\n' + net('backend', '10.89.0.0/24'));
  writeFileSync(join(dir, 'a/b/web.yml'), sandbox('web-1'));
  writeFileSync(join(dir, 'a/notes.txt'), 'not yaml');
  writeFileSync(join(dir, 'a/.hidden.yaml'), sandbox('hidden'));
  await source.start(store, { previousGeneration: () => undefined });
  t.after(() => source.stop());
  assert.deepEqual(store.keys().sort(), ['Network/backend', 'Network/frontend', 'Sandbox/default/web-1']);
});

test('editing a file changes exactly what changed; deleting it removes its objects', async (t) => {
  const { dir, store, changes, source } = setup();
  writeFileSync(join(dir, 'nets.yaml'), net('frontend', '10.88.0.0/24') + '---\n' + net('backend', '10.89.0.0/24'));
  await source.start(store, { previousGeneration: () => undefined });
  t.after(() => source.stop());
  changes.length = 0;
  writeFileSync(join(dir, 'nets.yaml'), net('frontend', '10.88.0.0/24') + '---\n' + net('backend', '10.89.0.0/24', 9000));
  await until(() => changes.length > 0);
  assert.deepEqual(changes.flat().map((c) => c.key), ['Network/backend']);
  assert.equal(store.get('Network/backend')!.object.metadata.generation, 2);
  assert.equal(store.get('Network/frontend')!.object.metadata.generation, 1);
  changes.length = 0;
  rmSync(join(dir, 'nets.yaml'));
  await until(() => store.keys().length === 0);
  assert.deepEqual(changes.flat().map((c) => c.key).sort(), ['Network/backend', 'Network/frontend']);
});

test('reformatting a file (same spec, other key order) is not a change', async (t) => {
  const { dir, store, changes, source } = setup();
  writeFileSync(join(dir, 'n.yaml'), 'apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: n}\nspec: {bridge: {mtu: 1400, internal: true}}\n');
  await source.start(store, { previousGeneration: () => undefined });
  t.after(() => source.stop());
  changes.length = 0;
  writeFileSync(join(dir, 'n.yaml'), '# comment\nkind: Network\napiVersion: nodenet.io/v1alpha1\nmetadata:\n  name: n\nspec:\n  bridge:\n    internal: true\n    mtu: 1400\n');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(changes.length, 0);
});

test('generations continue from what an earlier run reported', async (t) => {
  const { dir, store, source } = setup();
  writeFileSync(join(dir, 'n.yaml'), net('n', '10.1.0.0/24'));
  await source.start(store, { previousGeneration: (k) => (k === 'Network/n' ? { generation: 7, specHash: 'other' } : undefined) });
  t.after(() => source.stop());
  assert.equal(store.get('Network/n')!.object.metadata.generation, 8);
});

test('an object defined in two files: the first file wins, the other gets a problem', async (t) => {
  const { dir, store, source } = setup();
  writeFileSync(join(dir, 'a.yaml'), net('dup', '10.1.0.0/24', 1400));
  writeFileSync(join(dir, 'b.yaml'), net('dup', '10.1.0.0/24', 9000));
  await source.start(store, { previousGeneration: () => undefined });
  t.after(() => source.stop());
  const mtu = (): number | undefined => (store.get('Network/dup')?.object as { spec: { bridge: { mtu: number } } } | undefined)?.spec.bridge.mtu;
  assert.equal(mtu(), 1400);
  const problems = source.problems();
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.errors[0]!.message, /also defined in .*a\.yaml/);
  rmSync(join(dir, 'a.yaml'));
  await until(() => mtu() === 9000);
  assert.equal(source.problems().length, 0);
});

test('many files written at once arrive in few batches', async (t) => {
  const { dir, store, changes, source } = setup();
  await source.start(store, { previousGeneration: () => undefined });
  t.after(() => source.stop());
  for (let i = 0; i < 200; i++) writeFileSync(join(dir, `s${i}.yaml`), sandbox(`s-${i}`));
  await until(() => store.keys().length === 200);
  assert.ok(changes.length < 20, `expected batching, got ${changes.length} batches`);
});

test('an edit of an immutable field is refused and the last valid version stays', async (t) => {
  const { dir, store, source } = setup();
  writeFileSync(join(dir, 'n.yaml'), net('n', '10.1.0.0/24'));
  await source.start(store, { previousGeneration: () => undefined });
  t.after(() => source.stop());
  writeFileSync(join(dir, 'n.yaml'), net('n', '10.2.0.0/24'));
  await until(() => source.problems().length > 0);
  const n = store.get('Network/n')!.object as { spec: { ipam: { ipv4: { subnet: string } } } };
  assert.equal(n.spec.ipam.ipv4.subnet, '10.1.0.0/24');
  assert.equal(source.problems()[0]!.errors[0]!.path, 'spec.ipam.ipv4.subnet');
  assert.match(source.problemFor('Network/n') ?? '', /immutable/);
});

test('a duplicate stays reported when unrelated files change', async (t) => {
  const { dir, store, source } = setup();
  writeFileSync(join(dir, 'a.yaml'), net('dup', '10.1.0.0/24'));
  writeFileSync(join(dir, 'b.yaml'), net('dup', '10.1.0.0/24'));
  await source.start(store, { previousGeneration: () => undefined });
  t.after(() => source.stop());
  assert.equal(source.problems().length, 1);
  writeFileSync(join(dir, 'c.yaml'), sandbox('other'));
  await until(() => store.keys().length === 2);
  assert.equal(source.problems().length, 1);
});

test('an invalid document is a problem with file, line and field; other documents still load', async (t) => {
  const { dir, store, source } = setup();
  writeFileSync(join(dir, 'mixed.yaml'), net('good', '10.1.0.0/24') + '---\n' + net('bad', '10.1.0.0/33'));
  await source.start(store, { previousGeneration: () => undefined });
  t.after(() => source.stop());
  assert.deepEqual(store.keys(), ['Network/good']);
  const [p] = source.problems();
  assert.equal(p!.errors[0]!.path, 'spec.ipam.ipv4.subnet');
  assert.equal(p!.origin.doc, 2);
  assert.ok((p!.errors[0]!.line ?? 0) > 6, 'line points into the second document');
});

test('new folders are watched: a file written into a fresh nested folder arrives; removing the folder deletes its objects', async (t) => {
  const { dir, store, source } = setup();
  await source.start(store, { previousGeneration: () => undefined });
  t.after(() => source.stop());
  mkdirSync(join(dir, 'x/y'), { recursive: true });
  writeFileSync(join(dir, 'x/y/s.yaml'), sandbox('deep'));
  await until(() => store.keys().includes('Sandbox/default/deep'));
  rmSync(join(dir, 'x'), { recursive: true });
  await until(() => store.keys().length === 0);
});

test('a file replaced the way editors do (removed, then written again) never loses its objects', async (t) => {
  // A grace far longer than the two short pauses below, even on a loaded machine; without the
  // grace the half-written file (read 10 ms after it appears) would delete the sandbox.
  const GRACE_MS = 1000;
  const { dir, store, changes, source } = setup({ removalGraceMs: GRACE_MS });
  writeFileSync(join(dir, 'n.yaml'), net('frontend', '10.88.0.0/24') + '---\n' + sandbox('web-1'));
  await source.start(store, { previousGeneration: () => undefined });
  t.after(() => source.stop());
  changes.length = 0;
  const removed = Date.now();
  rmSync(join(dir, 'n.yaml'));
  await new Promise((r) => setTimeout(r, 30));
  // Half-written: only the first document so far.
  writeFileSync(join(dir, 'n.yaml'), net('frontend', '10.88.0.0/24', 9000));
  await new Promise((r) => setTimeout(r, 30));
  writeFileSync(join(dir, 'n.yaml'), net('frontend', '10.88.0.0/24', 9000) + '---\n' + sandbox('web-1'));
  assert.ok(Date.now() - removed < GRACE_MS, 'the file was whole again within the grace (the premise of this test)');
  await until(() => changes.length > 0);
  // Past the grace: the final look at the file has happened.
  await new Promise((r) => setTimeout(r, GRACE_MS + 150));
  assert.ok(store.get('Sandbox/default/web-1'), 'the sandbox was never deleted');
  assert.deepEqual(changes.flat().map((c) => `${c.key}${c.new ? '' : ' deleted'}`), ['Network/frontend']);
});
