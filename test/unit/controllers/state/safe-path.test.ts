// Paths under the state dir built from keys: no key, whatever its origin (the ledger, a status file
// planted in the state dir), can reach outside; keys read back from disk are checked first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { safeJoin } from '../../../../controllers/state/safe-path.js';
import { statusPath } from '../../../../controllers/status/file-sink.js';
import { FileStatusSink } from '../../../../controllers/status/file-sink.js';
import { StatusStore } from '../../../../controllers/status/store.js';
import { sandboxFilesDir } from '../../../../controllers/reconcile/sandbox.js';
import { isValidKey } from '../../../../controllers/store/keys.js';
import { ledgerKeys } from '../../../../controllers/agent/routing.js';
import { setLogSink } from '../../../../controllers/lib/log.js';

const TRAVERSAL = ['..', '.', '../etc', 'a/../../b', '', 'a\0b', '/etc', '.hidden'];

test('safeJoin refuses every segment that could leave the base', () => {
  assert.equal(safeJoin('/var/lib/nodenet', 'sandboxes', 'default', 'web-1'), '/var/lib/nodenet/sandboxes/default/web-1');
  for (const seg of TRAVERSAL) assert.throws(() => safeJoin('/var/lib/nodenet', 'sandboxes', seg), /refusing path segment/, JSON.stringify(seg));
});

test('status and sandbox-file paths of hostile keys throw instead of pointing outside the state dir', () => {
  assert.equal(statusPath('/s', 'Sandbox/default/web-1'), '/s/status/Sandbox/default/web-1.json');
  assert.equal(sandboxFilesDir('/s', 'Sandbox/default/web-1'), '/s/sandboxes/default/web-1');
  for (const key of ['Sandbox/default/..', 'Sandbox/../../../etc', 'Sandbox/default/../../x', 'Network/..', 'Sandbox/default/a\0b']) {
    assert.throws(() => statusPath('/s', key), /refusing/, key);
    assert.throws(() => sandboxFilesDir('/s', key), /refusing/, key);
  }
});

test('keys the API cannot produce are invalid; the ledger and status records with them are ignored', async () => {
  for (const ok of ['Network/front', 'Sandbox/default/web-1', 'Attachment/team-a/x']) assert.ok(isValidKey(ok), ok);
  for (const bad of ['Network/../x', 'Sandbox/default/..', 'Sandbox/..', 'Pod/default/x', 'Sandbox/default/web/extra', 'Sandbox/Default/x', 'Network/']) assert.ok(!isValidKey(bad), bad);
  assert.deepEqual(ledgerKeys({ keys: (s) => (s === 'networks' ? ['front', '..'] : s === 'sandboxes' ? ['Sandbox/default/a', 'Sandbox/../../../../etc'] : []) }), ['Network/front', 'Sandbox/default/a']);

  const stateDir = mkdtempSync(join(tmpdir(), 'nodenet-status-'));
  const restore = setLogSink(() => undefined);
  try {
    const dir = join(stateDir, 'status', 'Sandbox', 'default');
    mkdirSync(dir, { recursive: true });
    const rec = (name: string, namespace = 'default'): string => JSON.stringify({ kind: 'Sandbox', namespace, name, generation: 1, status: {}, updatedAt: '' });
    writeFileSync(join(dir, 'ok.json'), rec('ok'));
    writeFileSync(join(dir, 'evil.json'), rec('../../../../victim'));
    writeFileSync(join(dir, 'evil2.json'), rec('x', '../..'));
    const victim = join(stateDir, 'victim');
    mkdirSync(victim);
    const store = new StatusStore(new FileStatusSink(stateDir));
    await store.load();
    assert.deepEqual(store.keys(), ['Sandbox/default/ok']);
    assert.ok(existsSync(victim));
  } finally {
    setLogSink(restore);
    rmSync(stateDir, { recursive: true, force: true });
  }
});
