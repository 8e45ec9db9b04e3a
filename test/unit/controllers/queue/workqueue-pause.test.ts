// pause()/resume(): no handler starts while paused (running ones finish); keys added meanwhile,
// deduplicated, run after resume; drained() waits across a pause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../../../controllers/queue/workqueue.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a paused queue starts nothing; resume runs what was added, once per key', async () => {
  const ran: string[] = [];
  let release: () => void = () => undefined;
  const q = new WorkQueue({
    concurrency: 2,
    handler: async (key) => {
      ran.push(key);
      if (key === 'slow') await new Promise<void>((r) => (release = r));
    },
  });
  q.add('slow');
  await sleep(10);
  assert.deepEqual(ran, ['slow']);
  q.pause();
  assert.equal(q.paused, true);
  q.add('a');
  q.add('b');
  q.add('a');
  await sleep(50);
  assert.deepEqual(ran, ['slow'], 'nothing new started while paused');
  release();
  await sleep(20);
  assert.deepEqual(ran, ['slow'], 'the running handler finished; still nothing new');
  let drained = false;
  const d = q.drained().then(() => (drained = true));
  await sleep(20);
  assert.equal(drained, false, 'drained() waits for the paused keys');
  q.resume();
  await d;
  assert.deepEqual(ran, ['slow', 'a', 'b']);
  assert.equal(q.paused, false);
  await q.shutdown();
});

test('shutdown of a paused queue does not hang', async () => {
  const q = new WorkQueue({ concurrency: 1, handler: async () => undefined });
  q.pause();
  q.add('x');
  await q.shutdown();
});
