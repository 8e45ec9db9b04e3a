// The event recorder: repeats within the window bump one Event's count; a per-object token
// bucket caps how many an object can cause; failures never reach the caller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeApi } from '../../../../../controllers/source/kube/api.js';
import { EventRecorder } from '../../../../../controllers/source/kube/events.js';
import type { KubeObject } from '../../../../../controllers/source/kube/resources.js';

function fakeApi(fail = false): { api: KubeApi; created: { ns: string; name: string; reason: string; message: string }[]; patched: { name: string; count: number }[] } {
  const created: { ns: string; name: string; reason: string; message: string }[] = [];
  const patched: { name: string; count: number }[] = [];
  const api = {
    createEvent: async (ns: string, body: { metadata: { name: string }; reason: string; message: string }) => {
      if (fail) throw new Error('HTTP 500');
      created.push({ ns, name: body.metadata.name, reason: body.reason, message: body.message });
    },
    patchEvent: async (_ns: string, name: string, body: { count: number }) => {
      patched.push({ name, count: body.count });
    },
  } as unknown as KubeApi;
  return { api, created, patched };
}

const sb = (name: string): KubeObject => ({ metadata: { name, namespace: 'default', uid: `uid-${name}` } });

test('a repeated event is counted on the first one instead of creating another', async () => {
  let now = 0;
  const f = fakeApi();
  const r = new EventRecorder({ api: f.api, node: 'node-a', now: () => now });
  for (let i = 0; i < 4; i++) {
    r.record('Sandbox', sb('a'), 'Warning', 'Conflict', 'taken');
    now += 1000;
  }
  await r.flushed();
  assert.equal(f.created.length, 1);
  assert.match(f.created[0]!.name, /^a\.[0-9a-f]{16}$/);
  assert.deepEqual(f.patched.map((p) => p.count), [4], 'repeats recorded before the patch went out ride on one patch');
  r.record('Sandbox', sb('a'), 'Warning', 'Conflict', 'taken');
  await r.flushed();
  assert.deepEqual(f.patched.map((p) => p.count), [4, 5]);
  now += 11 * 60_000;
  r.record('Sandbox', sb('a'), 'Warning', 'Conflict', 'taken');
  await r.flushed();
  assert.equal(f.created.length, 2, 'after the dedupe window a new Event starts');
});

test('each object has a bucket: a flapping object is capped, others are not affected; tokens come back', async () => {
  let now = 0;
  const f = fakeApi();
  const r = new EventRecorder({ api: f.api, node: 'node-a', burst: 3, refillMs: 10_000, now: () => now });
  for (let i = 0; i < 10; i++) r.record('Sandbox', sb('flappy'), 'Warning', `R${i}`, 'x');
  r.record('Sandbox', sb('calm'), 'Normal', 'Ready', 'converged');
  await r.flushed();
  assert.deepEqual(f.created.map((c) => c.reason), ['R0', 'R1', 'R2', 'Ready']);
  assert.equal(r.dropped, 7);
  now += 20_000;
  r.record('Sandbox', sb('flappy'), 'Warning', 'Later', 'x');
  await r.flushed();
  assert.equal(f.created.at(-1)!.reason, 'Later');
});

test('events of cluster-scoped objects go to "default"; long messages are cut; failures are swallowed', async () => {
  const f = fakeApi();
  const r = new EventRecorder({ api: f.api, node: 'node-a' });
  r.record('Network', { metadata: { name: 'n', uid: 'u' } }, 'Normal', 'Ready', 'm'.repeat(5000));
  await r.flushed();
  assert.equal(f.created[0]!.ns, 'default');
  assert.equal(f.created[0]!.message.length, 1024);
  const bad = new EventRecorder({ api: fakeApi(true).api, node: 'node-a' });
  bad.record('Network', { metadata: { name: 'n', uid: 'u' } }, 'Normal', 'Ready', 'x');
  await bad.flushed();
});
