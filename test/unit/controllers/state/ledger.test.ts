import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, LedgerCorruptError, readLedgerFiles } from '../../../../controllers/state/ledger.js';

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

test('commits after the first append to the journal; a reload replays it', async () => {
  const d = dir();
  const l = Ledger.load(d);
  l.set('networks', 'n', { driver: 'bridge', device: 'nn-n', subnets: ['10.0.0.0/24'] });
  await l.commit();
  const snapshot = readFileSync(join(d, 'state.json'), 'utf8');
  l.allocate('n', '10.0.0.2', 'default/a');
  l.set('attachments', 'default/a', { network: 'n', sandbox: 'Sandbox/default/s', netnsPath: '/run/netns/s', interface: 'eth0', ipv4: '10.0.0.2/24' });
  await l.commit();
  l.release('n', '10.0.0.2');
  l.delete('attachments', 'default/a');
  l.allocate('n', '10.0.0.3', 'default/b');
  await l.commit();
  assert.equal(readFileSync(join(d, 'state.json'), 'utf8'), snapshot, 'the snapshot is not rewritten per commit');
  assert.equal(readFileSync(join(d, 'state.journal'), 'utf8').trim().split('\n').length, 2);
  const again = Ledger.load(d);
  assert.deepEqual(again.snapshot(), l.snapshot());
  assert.equal(again.allocationCount('n'), 1);
});

test('a torn last journal line (crash mid-append) is dropped; earlier ones stay', async () => {
  const d = dir();
  const l = Ledger.load(d);
  l.allocate('n', '10.0.0.2', 'a');
  await l.commit();
  l.allocate('n', '10.0.0.3', 'b');
  await l.commit();
  writeFileSync(join(d, 'state.journal'), readFileSync(join(d, 'state.journal'), 'utf8') + '{"seq":9,"ops":[["a","n","10.0.0.4"');
  const again = Ledger.load(d);
  assert.deepEqual(Object.keys(again.allocations('n')).sort(), ['10.0.0.2', '10.0.0.3']);
  again.allocate('n', '10.0.0.5', 'c');
  await again.commit();
  assert.deepEqual(Object.keys(Ledger.load(d).allocations('n')).sort(), ['10.0.0.2', '10.0.0.3', '10.0.0.5'], 'appends after the cut are readable');
});

test('a corrupt journal line before the end is moved aside and reported', async () => {
  const d = dir();
  const l = Ledger.load(d);
  l.allocate('n', '10.0.0.2', 'a');
  await l.commit();
  writeFileSync(join(d, 'state.journal'), 'not json\n{"seq":1,"ops":[]}\n');
  assert.throws(() => Ledger.load(d), (e: unknown) => e instanceof LedgerCorruptError && /state\.journal\.corrupt-/.test(e.movedTo));
});

test('the journal folds into a new snapshot once it outgrows it, and nothing is replayed twice', async () => {
  const d = dir();
  const l = Ledger.load(d, { journalMinBytes: 1 });
  l.allocate('n', '10.0.0.2', 'a');
  await l.commit();
  const journal = join(d, 'state.journal');
  for (let i = 3; i < 40; i++) {
    l.allocate('n', `10.0.0.${i}`, `o${i}`);
    await l.commit();
    if (i % 2 === 0) l.release('n', `10.0.0.${i}`);
  }
  await l.commit();
  const snap = JSON.parse(readFileSync(join(d, 'state.json'), 'utf8')) as { seq: number };
  assert.ok(snap.seq > 0, 'the snapshot was rewritten with the journal folded in');
  assert.ok(readFileSync(journal, 'utf8').length < 2000, 'and the journal was emptied');
  // A crash between "snapshot written" and "journal emptied": old lines must be skipped.
  writeFileSync(journal, `{"seq":1,"ops":[["a","n","10.0.0.200","stale"]]}\n${readFileSync(journal, 'utf8')}`);
  assert.deepEqual(Ledger.load(d).snapshot(), l.snapshot());
});

test('a failed journal append (full disk) keeps its changes for the next commit and leaves no torn line', async () => {
  const d = dir();
  const l = Ledger.load(d);
  l.allocate('n', '10.0.0.2', 'a');
  await l.commit();
  const journal = join(d, 'state.journal');
  // The journal cannot be opened for appending: the write fails like on a full disk.
  rmSync(journal, { force: true });
  mkdirSync(journal);
  l.allocate('n', '10.0.0.3', 'b');
  await assert.rejects(l.commit(), /append to .*state\.journal/);
  rmdirSync(journal);
  l.allocate('n', '10.0.0.4', 'c');
  await l.commit();
  assert.deepEqual(Object.keys(Ledger.load(d).allocations('n')).sort(), ['10.0.0.2', '10.0.0.3', '10.0.0.4'], 'the failed change was written with the next one');
});

test('a journal whose snapshot is gone is moved aside, not replayed onto nothing', async () => {
  const d = dir();
  const l = Ledger.load(d);
  l.allocate('n', '10.0.0.2', 'a');
  await l.commit();
  l.allocate('n', '10.0.0.3', 'b');
  await l.commit();
  rmSync(join(d, 'state.json'));
  const again = Ledger.load(d);
  assert.deepEqual(again.allocations('n'), {});
  assert.ok(readdirSync(d).some((f) => f.startsWith('state.journal.stale-')), 'kept aside for a look');
});

test('readLedgerFiles reads snapshot and journal without changing a file', async () => {
  const d = dir();
  const l = Ledger.load(d);
  l.allocate('n', '10.0.0.2', 'a');
  await l.commit();
  l.allocate('n', '10.0.0.3', 'b');
  await l.commit();
  const journal = join(d, 'state.journal');
  const torn = readFileSync(journal, 'utf8') + '{"seq":9,"ops":[';
  writeFileSync(journal, torn);
  assert.deepEqual(readLedgerFiles(d).allocations, { n: { '10.0.0.2': 'a', '10.0.0.3': 'b' } });
  assert.equal(readFileSync(journal, 'utf8'), torn, 'the torn tail is skipped, not cut off');
});
