// NODENET_FAILPOINT parsing: trace, <point>:<n>, any:<n>; anything else is refused loudly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { failpoint, failpointsArmed, parseFailSpec } from '../../../../controllers/lib/failpoint.js';
import { REPO_ROOT } from '../../../helpers/repo.js';

test('parse', () => {
  assert.equal(parseFailSpec(undefined), undefined);
  assert.equal(parseFailSpec(''), undefined);
  assert.deepEqual(parseFailSpec('trace'), { mode: 'trace' });
  assert.deepEqual(parseFailSpec('kernel-op:7'), { mode: 'kill', point: 'kernel-op', n: 7 });
  assert.deepEqual(parseFailSpec('any:1'), { mode: 'kill', point: 'any', n: 1 });
  for (const bad of ['kernel-op', 'kernel-op:0', 'nope:3', 'any:-1', 'any:1.5']) assert.throws(() => parseFailSpec(bad), /NODENET_FAILPOINT/, bad);
});

test('unset: inert', () => {
  assert.equal(failpointsArmed(), false);
  failpoint('kernel-op');
});

test('armed: the process kills itself at the n-th pass of its point, after saying where', () => {
  const mod = join(REPO_ROOT, 'dist/controllers/lib/failpoint.js');
  const script = `const { failpoint } = await import(${JSON.stringify(mod)}); for (let i = 1; i <= 5; i++) { failpoint('ledger-write'); failpoint('kernel-op', 'op ' + i); console.log('after', i); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODENET_FAILPOINT: 'kernel-op:3' }, encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(r.stdout.trim().split('\n').join(','), 'after 1,after 2');
  assert.match(r.stderr, /"msg":"failpoint: SIGKILL","point":"kernel-op","nth":3,"any":6,"detail":"op 3"/);
});
