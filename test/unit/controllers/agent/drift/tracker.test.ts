// Drift bookkeeping against the fake dataplane: what counts as a repair (a converged object that
// needed kernel changes when a kernel event or resync pointed at it), what does not (an event
// our own change caused, a spec change), the record (log line, metric, Degraded), a repair that
// fails (DriftNotRepaired, Ready False) and then succeeds, drift spreading to dependants, the
// firewall, and the Degraded condition clearing after the hold time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attachment, Condition } from '../../../../../api/v1alpha1/types.js';
import { exampleObjects, RecordingFirewall, startTestAgent, type TestAgent } from '../../../../helpers/engine.js';
import { hostVethName } from '../../../../../controllers/model/names.js';
import { setLogSink } from '../../../../../controllers/lib/log.js';
import { errno } from '../../../../../controllers/dataplane/netlink/errors.js';
import type { FwModel, FwSyncResult } from '../../../../../controllers/dataplane/firewall/types.js';
import type { DriftCause } from '../../../../../controllers/agent/drift/tracker.js';

// The agents below log every kernel change; only what a test captures matters.
setLogSink(() => undefined);

const WEB2 = 'Attachment/default/web-2-frontend';
const cause = (detail: string): DriftCause => ({ source: 'kernel event', detail, at: Date.now() });

function degraded(t: TestAgent, key: string): Condition | undefined {
  return ((t.sink.records.get(key)?.status.conditions ?? []) as Condition[]).find((c) => c.type === 'Degraded');
}

function ready(t: TestAgent, key: string): Condition | undefined {
  return ((t.sink.records.get(key)?.status.conditions ?? []) as Condition[]).find((c) => c.type === 'Ready');
}

async function repairs(t: TestAgent, kind: string): Promise<number> {
  return (await t.agent.metrics.driftRepairs.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

/** Captures the agent's log lines while fn runs. */
async function logged(fn: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const prev = setLogSink((l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  try {
    await fn();
  } finally {
    setLogSink(prev);
  }
  return lines;
}

async function wake(t: TestAgent, key: string, detail: string): Promise<void> {
  t.agent.drift.suspect(key, cause(detail));
  t.agent.ctx.enqueue(key);
  await t.agent.settled();
}

test('a veth deleted behind our back: recreated, logged with what drifted, counted, Degraded=DriftRepaired', async () => {
  const t = await startTestAgent(exampleObjects(), { drift: { holdMs: 60_000 } });
  try {
    const veth = hostVethName(WEB2);
    t.dp.outOfBand(undefined, [{ op: 'link.del', ref: { name: veth } }]);
    const lines = await logged(() => wake(t, WEB2, `link ${veth} deleted (host)`));
    const rec = lines.find((l) => l.msg === 'drift repaired');
    assert.ok(rec, 'a drift repaired line');
    assert.equal(rec.key, WEB2);
    assert.equal(rec.what, `veth ${veth} was missing`);
    assert.equal(rec.trigger, `link ${veth} deleted (host)`);
    assert.ok(Array.isArray(rec.changes) && (rec.changes as string[])[0]!.startsWith(`ip link add ${veth}`));
    assert.equal(await repairs(t, 'Attachment'), 1);
    const d = degraded(t, WEB2)!;
    assert.equal(d.status, 'True');
    assert.equal(d.reason, 'DriftRepaired');
    assert.match(d.message, new RegExp(`veth ${veth} was missing; repaired .* ms after kernel event`));
    assert.equal(ready(t, WEB2)?.status, 'True');
    assert.ok(t.dp.snapshot()['']!.links.some((l) => l.name === veth), 'the veth is back');
  } finally {
    await t.stop();
  }
});

test('an event that needs no change (our own, or already fixed) is not a repair', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    const before = t.dp.opCount();
    const lines = await logged(() => wake(t, WEB2, 'link changed'));
    assert.equal(t.dp.opCount(), before);
    assert.equal(lines.filter((l) => String(l.msg).startsWith('drift')).length, 0);
    assert.equal(await repairs(t, 'Attachment'), 0);
    assert.equal(degraded(t, WEB2)?.status, 'False');
  } finally {
    await t.stop();
  }
});

test('a spec change that coincides with an event is the user\u2019s change, not drift', async () => {
  const objs = exampleObjects();
  const t = await startTestAgent(objs);
  try {
    const db = structuredClone(objs.find((o) => o.metadata.name === 'db-1-backend')) as Attachment;
    db.spec.ipv4Address = '10.89.0.20';
    t.agent.drift.suspect('Attachment/default/db-1-backend', cause('address removed'));
    t.source.put(db);
    await t.agent.settled();
    assert.equal(await repairs(t, 'Attachment'), 0);
    assert.equal(degraded(t, 'Attachment/default/db-1-backend')?.status, 'False');
  } finally {
    await t.stop();
  }
});

test('a repair that fails shows DriftNotRepaired (Ready False) until it succeeds, then DriftRepaired', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    const veth = hostVethName(WEB2);
    const clear = t.dp.failWhen((op) => (op.op === 'link.add' ? errno.EIO : undefined));
    t.dp.outOfBand(undefined, [{ op: 'link.del', ref: { name: veth } }]);
    t.agent.drift.suspect(WEB2, cause(`link ${veth} deleted (host)`));
    t.agent.ctx.enqueue(WEB2);
    for (let i = 0; i < 200 && degraded(t, WEB2)?.reason !== 'DriftNotRepaired'; i++) await new Promise((r) => setTimeout(r, 5));
    const d = degraded(t, WEB2)!;
    assert.equal(d.reason, 'DriftNotRepaired');
    assert.match(d.message, new RegExp(`link ${veth} deleted .* not repaired yet: .*create veth ${veth}`));
    assert.equal(ready(t, WEB2)?.status, 'False');
    assert.equal(ready(t, WEB2)?.reason, 'ReconcileFailed');
    clear();
    for (let i = 0; i < 400 && degraded(t, WEB2)?.reason !== 'DriftRepaired'; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(degraded(t, WEB2)?.reason, 'DriftRepaired');
    assert.equal(ready(t, WEB2)?.status, 'True');
    assert.equal(await repairs(t, 'Attachment'), 1, 'one episode, one repair');
  } finally {
    await t.stop();
  }
});

test('drift spreads to what depends on it: a namespace gone under an attachment is repaired as the sandbox\u2019s drift too', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    t.dp.outOfBand(undefined, [{ op: 'netns.del', path: '/run/netns/web-2' }]);
    const lines = await logged(() => wake(t, WEB2, 'link deleted'));
    const keys = lines.filter((l) => l.msg === 'drift repaired').map((l) => l.key);
    assert.ok(keys.includes('Sandbox/default/web-2'), JSON.stringify(keys));
    assert.ok(keys.includes(WEB2), JSON.stringify(keys));
    assert.equal(await repairs(t, 'Sandbox'), 1);
  } finally {
    await t.stop();
  }
});

test('the Degraded condition clears once the hold time is over', async () => {
  const t = await startTestAgent(exampleObjects(), { drift: { holdMs: 50 } });
  try {
    t.dp.outOfBand(undefined, [{ op: 'link.del', ref: { name: hostVethName(WEB2) } }]);
    await wake(t, WEB2, 'link deleted');
    assert.equal(degraded(t, WEB2)?.reason, 'DriftRepaired');
    for (let i = 0; i < 200 && degraded(t, WEB2)?.status !== 'False'; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(degraded(t, WEB2)?.status, 'False');
  } finally {
    await t.stop();
  }
});

/** A firewall whose next syncs report changes, as if the kernel had drifted. */
class DriftingFirewall extends RecordingFirewall {
  pending = 0;
  invalidations = 0;
  override async sync(model: FwModel): Promise<FwSyncResult> {
    const r = await super.sync(model);
    const changes = this.pending;
    this.pending = 0;
    return { ...r, changes: r.changes + changes };
  }
  override invalidate(): void {
    this.invalidations++;
  }
}

test('firewall drift: re-read and re-synced, counted once, every network shows DriftRepaired', async () => {
  const firewall = new DriftingFirewall();
  const t = await startTestAgent(exampleObjects(), { firewall });
  try {
    firewall.pending = 0;
    await t.agent.drift.checkFirewall({ source: 'nftables event', detail: 'delete table inet nodenet by nft (pid 1)', at: Date.now() });
    await t.agent.settled();
    assert.equal(await repairs(t, 'Firewall'), 0, 'nothing to repair: not a repair');
    const inv = firewall.invalidations;
    firewall.pending = 12;
    const lines = await logged(async () => {
      await t.agent.drift.checkFirewall({ source: 'nftables event', detail: 'delete table inet nodenet by nft (pid 1)', at: Date.now() });
      await t.agent.settled();
    });
    assert.ok(firewall.invalidations > inv, 'the cached view was dropped first');
    assert.equal(await repairs(t, 'Firewall'), 1);
    assert.match(String(lines.find((l) => l.msg === 'drift repaired')?.trigger), /delete table inet nodenet/);
    for (const n of ['Network/frontend', 'Network/backend']) assert.equal(degraded(t, n)?.reason, 'DriftRepaired', n);
  } finally {
    await t.stop();
  }
});
