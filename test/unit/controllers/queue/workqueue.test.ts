import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../../../controllers/queue/workqueue.js';
import { Backoff } from '../../../../controllers/queue/backoff.js';
import { Coalescer } from '../../../../controllers/queue/coalescer.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a key queued many times runs once', async () => {
  const runs: string[] = [];
  const q = new WorkQueue({ concurrency: 2, handler: async (k) => void runs.push(k) });
  for (let i = 0; i < 5; i++) q.add('a');
  q.add('b');
  await q.drained();
  assert.deepEqual(runs.sort(), ['a', 'b']);
});

test('a key is never processed twice at once; re-adds while running run again after', async () => {
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  const q = new WorkQueue({
    concurrency: 4,
    handler: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      await sleep(10);
      active--;
    },
  });
  q.add('k');
  await sleep(2);
  q.add('k');
  q.add('k');
  await q.drained();
  assert.equal(maxActive, 1);
  assert.equal(runs, 2);
});

test('parallelism across keys is bounded by concurrency', async () => {
  let active = 0;
  let maxActive = 0;
  const q = new WorkQueue({
    concurrency: 3,
    handler: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(5);
      active--;
    },
  });
  for (let i = 0; i < 20; i++) q.add(`k${i}`);
  await q.drained();
  assert.equal(maxActive, 3);
});

test('errors requeue with growing backoff and success forgets the failures', async () => {
  const times: number[] = [];
  const q = new WorkQueue({
    concurrency: 1,
    backoff: new Backoff({ baseMs: 5, maxMs: 100 }),
    handler: async () => {
      times.push(Date.now());
      if (times.length < 4) throw new Error('boom');
    },
  });
  q.add('x');
  const deadline = Date.now() + 2000;
  while (times.length < 4 && Date.now() < deadline) await sleep(5);
  await q.drained();
  assert.equal(times.length, 4);
  // Timers never fire early, so each retry waits at least its doubled backoff (5, 10, 20 ms);
  // comparing gaps with each other would only measure the machine's load.
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  gaps.forEach((g, i) => assert.ok(g >= 5 * 2 ** i - 1, `retry ${i + 1} waited ${g} ms, less than its backoff ${5 * 2 ** i} ms`));
  assert.equal(q.failures('x'), 0);
});

test('requeueAfter runs the key again later', async () => {
  let runs = 0;
  const q = new WorkQueue({
    concurrency: 1,
    handler: async () => {
      runs++;
      return runs < 3 ? { requeueAfterMs: 5 } : undefined;
    },
  });
  q.add('r');
  const deadline = Date.now() + 2000;
  while (runs < 3 && Date.now() < deadline) await sleep(5);
  assert.equal(runs, 3);
  await q.shutdown();
});

test('shutdown waits for the running handler and drops the rest', async () => {
  const done: string[] = [];
  const q = new WorkQueue({
    concurrency: 1,
    handler: async (k) => {
      await sleep(20);
      done.push(k);
    },
  });
  q.add('first');
  q.add('second');
  await sleep(5);
  await q.shutdown();
  assert.deepEqual(done, ['first']);
  q.add('third');
  await sleep(30);
  assert.deepEqual(done, ['first']);
});

test('coalescer serves concurrent requests with one extra run started after them', async () => {
  let runs = 0;
  let value = 0;
  const c = new Coalescer(async () => {
    runs++;
    const seen = value;
    await sleep(10);
    return seen;
  });
  const first = c.request();
  value = 1;
  const later = [c.request(), c.request(), c.request()];
  assert.equal(await first, 0);
  const results = await Promise.all(later);
  assert.deepEqual(results, [1, 1, 1], 'requests made during a run see a run that started after them');
  assert.equal(runs, 2);
});

test('coalescer: a request between a run and the queued run joins the queued one (never two runs at once)', async () => {
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  const c = new Coalescer(async () => {
    active++;
    runs++;
    maxActive = Math.max(maxActive, active);
    await sleep(5);
    active--;
  });
  let late: Promise<void> | undefined;
  // This callback is registered before the queued run's start, so it asks in between.
  const first = c.request().then(() => {
    late = c.request();
  });
  const queued = c.request();
  await first;
  assert.equal(late, queued, 'the late request shares the queued run');
  await queued;
  assert.equal(maxActive, 1);
  assert.equal(runs, 2);
});

test('backoff doubles per failure up to its cap and resets on forget', () => {
  const b = new Backoff({ baseMs: 5, maxMs: 100 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => b.next('k')), [5, 10, 20, 40, 80, 100]);
  assert.equal(b.failuresOf('k'), 6);
  b.forget('k');
  assert.equal(b.next('k'), 5);
});
