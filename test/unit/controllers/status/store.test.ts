// A status write that fails (a full disk) is not taken as done: the same record is written again
// on the next put, instead of being skipped as "unchanged" forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusStore } from '../../../../controllers/status/store.js';
import type { StatusRecord, StatusSink } from '../../../../controllers/status/record.js';

test('a failed write is retried by the next put of the same record', async () => {
  const written: string[] = [];
  let fail = true;
  const sink: StatusSink = {
    load: async () => [],
    write: async (key) => {
      if (fail) throw Object.assign(new Error('write: no space left on device'), { code: 'ENOSPC' });
      written.push(key);
    },
    remove: async () => undefined,
  };
  const store = new StatusStore(sink);
  const rec: StatusRecord = { kind: 'Network', name: 'a', generation: 1, status: { observedGeneration: 1, conditions: [] }, updatedAt: 't1' };
  await assert.rejects(store.put('Network/a', rec), /no space/);
  assert.equal(store.get('Network/a'), undefined, 'not recorded as current');
  fail = false;
  assert.equal(await store.put('Network/a', { ...rec, updatedAt: 't2' }), true);
  assert.deepEqual(written, ['Network/a']);
});
