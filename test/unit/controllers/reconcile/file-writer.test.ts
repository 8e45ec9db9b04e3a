import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeIfChanged } from '../../../../controllers/reconcile/file-writer.js';

test('writes when absent or different, not when the file already holds the text', async () => {
  const p = join(mkdtempSync(join(tmpdir(), 'nodenet-fw-')), 'hosts');
  assert.equal(await writeIfChanged(p, 'a\n'), true);
  assert.equal(await writeIfChanged(p, 'a\n'), false);
  assert.equal(await writeIfChanged(p, 'b\n'), true);
  assert.equal(readFileSync(p, 'utf8'), 'b\n');
});

test('a file changed behind our back (even to the same size) is noticed and rewritten', async () => {
  const p = join(mkdtempSync(join(tmpdir(), 'nodenet-fw-')), 'resolv.conf');
  await writeIfChanged(p, 'nameserver 1.1.1.1\n');
  writeFileSync(p, 'nameserver 9.9.9.9\n');
  assert.equal(await writeIfChanged(p, 'nameserver 1.1.1.1\n'), true);
  assert.equal(readFileSync(p, 'utf8'), 'nameserver 1.1.1.1\n');
  // Rewritten by someone with exactly what we want: nothing to do.
  writeFileSync(p, 'nameserver 1.1.1.1\n');
  assert.equal(await writeIfChanged(p, 'nameserver 1.1.1.1\n'), false);
});
