import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, LedgerCorruptError } from '../../../../controllers/state/ledger.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'nodenet-ledger-'));

test('changes are durable after commit and reload identically', async () => {
  const d = dir();
  const l = Ledger.load(d);
  l.set('networks', 'frontend', { driver: 'bridge', device: 'nn-frontend', subnets: ['10.88.0.0/24'] });
  l.allocate('frontend', '10.88.0.2', 'default/a');
  await l.commit();
  const again = Ledger.load(d);
  assert.deepEqual(again.snapshot(), l.snapshot());
  assert.deepEqual(readdirSync(d), ['state.json'], 'no temp files left');
});

test('concurrent commits share writes and all resolve', async () => {
  const d = dir();
  const l = Ledger.load(d);
  const commits: Promise<void>[] = [];
  for (let i = 0; i < 50; i++) {
    l.allocate('n', `10.0.0.${i + 2}`, `o${i}`);
    commits.push(l.commit());
  }
  await Promise.all(commits);
  assert.equal(Object.keys(Ledger.load(d).allocations('n')).length, 50);
});

test('setting an identical record does not dirty the ledger', async () => {
  const d = dir();
  const l = Ledger.load(d);
  l.set('sandboxes', 'default/a', { netnsPath: '/run/netns/a', created: true });
  await l.commit();
  writeFileSync(join(d, 'state.json'), readFileSync(join(d, 'state.json'), 'utf8') + ' ');
  l.set('sandboxes', 'default/a', { netnsPath: '/run/netns/a', created: true });
  await l.commit();
  assert.ok(readFileSync(join(d, 'state.json'), 'utf8').endsWith(' '), 'no rewrite happened');
});

test('a corrupt state file is moved aside and reported, never silently emptied', () => {
  const d = dir();
  writeFileSync(join(d, 'state.json'), '{"version":1,"allocations":{"n":{"10.0.0');
  assert.throws(() => Ledger.load(d), (e: unknown) => e instanceof LedgerCorruptError && /corrupt-/.test(e.movedTo));
  assert.ok(readdirSync(d).some((f) => f.startsWith('state.json.corrupt-')));
});

test('a second owner for an allocated address is refused', () => {
  const l = Ledger.memory();
  l.allocate('n', '10.0.0.2', 'a');
  assert.throws(() => l.allocate('n', '10.0.0.2', 'b'), /already allocated to a/);
});
