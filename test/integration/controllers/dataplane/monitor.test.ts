// Kernel events: out-of-band changes are seen quickly and attributed to their namespace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scratch, type Scratch } from '../../../helpers/scratch.js';
import { runOk } from '../../../../controllers/lib/exec.js';
import { createKernelDataplane } from '../../../../controllers/dataplane/kernel.js';
import { ensureNsid, watchKernel, type KernelEvent } from '../../../../controllers/dataplane/monitor.js';
import type { Dataplane } from '../../../../controllers/dataplane/types.js';

let s: Scratch;
let dp: Dataplane;

before(async () => {
  s = await scratch('nodenet-monitor-');
  dp = createKernelDataplane();
});
after(async () => s.cleanup());

/** Resolves with the first event matching pred, or rejects after ms. */
function waitFor(events: KernelEvent[], pred: (e: KernelEvent) => boolean, ms: number): Promise<KernelEvent> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const hit = events.find(pred);
      if (hit) return resolve(hit);
      if (Date.now() - started > ms) return reject(new Error(`no matching event within ${ms} ms; saw ${JSON.stringify(events)}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

test('a link deleted out of band (ip link del) is reported within 1 s', async () => {
  const events: KernelEvent[] = [];
  const stop = watchKernel((e) => events.push(e));
  try {
    const host = dp.session();
    host.apply([{ op: 'link.add', link: { kind: 'veth', name: 'nnmon0', peer: { name: 'nnmon0p' } } }]);
    const index = host.getLink('nnmon0')!.index;
    host.close();
    await waitFor(events, (e) => e.kind === 'link' && e.action === 'new' && e.name === 'nnmon0', 1000);
    const t0 = Date.now();
    await runOk({ argv: ['ip', 'link', 'del', 'nnmon0'] });
    const ev = await waitFor(events, (e) => e.kind === 'link' && e.action === 'del' && e.index === index, 1000);
    assert.deepEqual(ev, { kind: 'link', action: 'del', nsid: undefined, index, name: 'nnmon0' });
    assert.ok(Date.now() - t0 < 1000);
  } finally {
    stop();
  }
});

test('events in another namespace carry its id once it has one here', async () => {
  const path = join(s.netnsDir, 'watched');
  const host = dp.session();
  host.apply([{ op: 'netns.add', path }]);
  const id = ensureNsid(path);
  assert.equal(ensureNsid(path), id, 'stable on repeat');
  const events: KernelEvent[] = [];
  const stop = watchKernel((e) => events.push(e));
  try {
    await runOk({ argv: ['nsenter', `--net=${path}`, 'ip', 'link', 'set', 'lo', 'up'] });
    await waitFor(events, (e) => e.kind === 'addr' && e.action === 'new' && e.nsid === id && e.index === 1, 1000);
    const inside = dp.session(path);
    inside.apply([{ op: 'route.replace', family: 4, dst: '10.9.0.0/24', dev: { name: 'lo' } }]);
    inside.close();
    const ev = await waitFor(events, (e) => e.kind === 'route' && e.nsid === id, 1000);
    assert.deepEqual(ev, { kind: 'route', action: 'new', nsid: id, index: 1, family: 4 });
  } finally {
    stop();
  }
  const seen = events.length;
  await runOk({ argv: ['nsenter', `--net=${path}`, 'ip', 'link', 'set', 'lo', 'down'] });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(events.length, seen, 'nothing arrives after stop()');
  host.apply([{ op: 'netns.del', path }]);
  host.close();
});

test('an overrun (events lost while the loop was busy) is reported as overflow, and watching goes on', async () => {
  const path = join(s.netnsDir, 'flood');
  const host = dp.session();
  host.apply([{ op: 'netns.add', path }]);
  const id = ensureNsid(path);
  const events: KernelEvent[] = [];
  const stop = watchKernel((e) => events.push(e));
  const inside = dp.session(path);
  try {
    inside.apply([{ op: 'link.add', link: { kind: 'veth', name: 'f0', peer: { name: 'f0p' } } }, { op: 'link.set', ref: { name: 'f0' }, up: true }]);
    // Each alias change of an up link is one full RTM_NEWLINK; the loop cannot drain meanwhile.
    for (let i = 0; i < 10000; i++) inside.apply([{ op: 'link.set', ref: { name: 'f0' }, alias: `flood-${i}` }]);
    await waitFor(events, (e) => e.kind === 'overflow', 2000);
    events.length = 0;
    inside.apply([{ op: 'link.del', ref: { name: 'f0' } }]);
    await waitFor(events, (e) => e.kind === 'link' && e.action === 'del' && e.nsid === id && e.name === 'f0', 1000);
  } finally {
    stop();
    inside.close();
    host.apply([{ op: 'netns.del', path }]);
    host.close();
  }
});
