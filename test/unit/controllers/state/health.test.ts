// The agent health file: two fixed slots written in place, newest readable one wins, a torn
// slot costs only the latest update, a restart continues the numbering; the disk guard marks an
// unwritable state dir and clears it (and retries everything) when a probe write succeeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, writeSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentHealth, healthPath, readAgentHealth } from '../../../../controllers/state/health.js';
import { diskErrorCode, StateDiskGuard, STATE_WRITE_FAILED } from '../../../../controllers/state/disk-guard.js';
import { removeStaleTempFiles } from '../../../../controllers/state/stale-temp.js';
import { nsfsMounts } from '../../../../controllers/state/netns-discovery.js';
import { setLogSink } from '../../../../controllers/lib/log.js';

setLogSink(() => undefined);

test('problems and notices round-trip; the file never changes size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodenet-health-'));
  const h = AgentHealth.open(dir);
  const size = statSync(healthPath(dir)).size;
  h.setProblem('StateWriteFailed', 'disk full');
  h.addNotice('StateRebuilt', 'rebuilt from the kernel');
  let doc = readAgentHealth(dir)!;
  assert.equal(doc.pid, process.pid);
  assert.deepEqual(doc.problems.map((p) => `${p.reason}: ${p.message}`), ['StateWriteFailed: disk full']);
  assert.deepEqual(doc.notices.map((p) => p.reason), ['StateRebuilt']);
  h.clearProblem('StateWriteFailed');
  doc = readAgentHealth(dir)!;
  assert.deepEqual(doc.problems, []);
  assert.equal(statSync(healthPath(dir)).size, size);
  h.setProblem('X', 'y'.repeat(20_000));
  assert.ok(readAgentHealth(dir)!.problems[0]!.message.length < 4096, 'long messages are cut to fit');
});

test('a torn slot falls back to the other; a new agent continues the numbering', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodenet-health-'));
  const h = AgentHealth.open(dir);
  h.setProblem('A', 'first');
  h.setProblem('A', 'second');
  assert.equal(readAgentHealth(dir)!.problems[0]!.message, 'second');
  // Writes alternate slots (open = 1 at 4096, first = 2 at 0, second = 3 at 4096): tear the last.
  const fd = openSync(healthPath(dir), 'r+');
  writeSync(fd, Buffer.alloc(20, 'x'), 0, 20, 4096 + 20);
  closeSync(fd);
  assert.equal(readAgentHealth(dir)!.problems[0]!.message, 'first', 'the torn newest slot falls back to the previous one');
  const dir2 = mkdtempSync(join(tmpdir(), 'nodenet-health-'));
  const a = AgentHealth.open(dir2);
  for (let i = 0; i < 5; i++) a.setProblem('A', `n${i}`);
  const b = AgentHealth.open(dir2);
  b.addNotice('Restarted', 'yes');
  assert.deepEqual(readAgentHealth(dir2)!.problems, [], 'the newer agent wins even though the older wrote more');
  assert.equal(readAgentHealth(dir2)!.notices[0]!.reason, 'Restarted');
});

test('diskErrorCode finds ENOSPC anywhere in the cause chain, nothing else', () => {
  const enospc = Object.assign(new Error('no space'), { code: 'ENOSPC' });
  assert.equal(diskErrorCode(new Error('commit', { cause: new Error('write /x', { cause: enospc }) })), 'ENOSPC');
  assert.equal(diskErrorCode(new Error('x', { cause: Object.assign(new Error('y'), { code: 'EEXIST' }) })), undefined);
});

test('the guard sets the problem on a disk error and clears it (and retries) once a probe write works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodenet-guard-'));
  const health = AgentHealth.open(dir);
  let recovered = 0;
  const guard = new StateDiskGuard({ stateDir: dir, health, probeMs: 20, onRecovered: () => recovered++ });
  guard.noteError(new Error('reconcile', { cause: new Error('unrelated') }));
  assert.equal(health.hasProblem(STATE_WRITE_FAILED), false);
  guard.noteError(new Error('write state.json', { cause: Object.assign(new Error('no space left'), { code: 'ENOSPC' }) }));
  assert.match(readAgentHealth(dir)!.problems[0]!.message, /cannot write to .* \(ENOSPC\)/);
  for (let i = 0; i < 100 && recovered === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(recovered, 1);
  assert.equal(health.hasProblem(STATE_WRITE_FAILED), false);
  assert.ok(!existsSync(join(dir, '.nodenet-space-probe')), 'the probe cleans up');
  guard.stop();
});

test('stale temp files of dead writers are removed, live ones kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodenet-temp-'));
  writeFileSync(join(dir, '.state.json.999999999.abc123.tmp'), 'x');
  writeFileSync(join(dir, `.state.json.${process.pid}.abc123.tmp`), 'x');
  writeFileSync(join(dir, 'state.json'), '{}');
  assert.deepEqual(removeStaleTempFiles(dir), [join(dir, '.state.json.999999999.abc123.tmp')]);
  assert.ok(existsSync(join(dir, `.state.json.${process.pid}.abc123.tmp`)));
});

test('nsfs mounts are read from mountinfo (escaped paths included)', () => {
  const text = [
    '36 35 0:4 net:[4026532281] /run/netns/a rw shared:5 - nsfs nsfs rw',
    '37 35 0:4 net:[4026532282] /var/run/my\\040ns rw - nsfs nsfs rw',
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  ].join('\n');
  assert.deepEqual(nsfsMounts(text), ['/run/netns/a', '/var/run/my ns']);
});
