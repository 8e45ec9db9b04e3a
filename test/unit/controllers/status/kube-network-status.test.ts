// A Network's per-node entries and the summary every writer recomputes from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition, NetworkStatus } from '../../../../api/v1alpha1/types.js';
import { withNodeEntry } from '../../../../controllers/status/kube-network-status.js';

const c = (type: string, ok: boolean, reason = ok ? 'Converged' : 'Conflict', message = ''): Condition => ({
  type, status: ok ? 'True' : 'False', reason, message, lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 3,
});
const entry = (ready: boolean, gen = 3, degraded = false): { observedGeneration: number; conditions: Condition[]; bridge: string } => ({
  observedGeneration: gen, conditions: [c('Ready', ready, ready ? 'Converged' : 'Conflict', ready ? '' : 'device nn-x taken'), c('Degraded', degraded, degraded ? 'DnsFallback' : 'AsExpected')], bridge: 'nn-x',
});

test('entries are keyed by node, sorted, replaced and removed; others are kept as they were', () => {
  let s: NetworkStatus = withNodeEntry({ status: undefined, node: 'b', entry: entry(true), now: 'T1' });
  s = withNodeEntry({ status: s, node: 'a', entry: entry(false), now: 'T2' });
  assert.deepEqual(s.nodes!.map((e) => e.node), ['a', 'b']);
  const bBefore = structuredClone(s.nodes![1]);
  s = withNodeEntry({ status: s, node: 'a', entry: entry(true), now: 'T3' });
  assert.deepEqual(s.nodes![1], bBefore);
  assert.equal(s.nodes!.length, 2);
  s = withNodeEntry({ status: s, node: 'b', entry: undefined, now: 'T4' });
  assert.deepEqual(s.nodes!.map((e) => e.node), ['a']);
});

test('summary: Ready only when every reporting node is; counts; oldest observed generation; transitions keep their time', () => {
  let s = withNodeEntry({ status: undefined, node: 'a', entry: entry(true, 3), now: 'T1' });
  assert.equal(s.conditions!.find((x) => x.type === 'Ready')!.status, 'True');
  s = withNodeEntry({ status: s, node: 'b', entry: entry(false, 2, true), now: 'T2' });
  const ready = s.conditions!.find((x) => x.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason, ready.message, ready.lastTransitionTime], ['False', 'NodesNotReady', '1 of 2 nodes ready; b: Conflict (device nn-x taken)', 'T2']);
  assert.deepEqual([s.nodeCount, s.readyNodes, s.observedGeneration], [2, 1, 2]);
  const degraded = s.conditions!.find((x) => x.type === 'Degraded')!;
  assert.deepEqual([degraded.status, degraded.reason, degraded.message], ['True', 'NodesDegraded', 'b: DnsFallback']);
  s = withNodeEntry({ status: s, node: 'c', entry: entry(false), now: 'T3' });
  assert.equal(s.conditions!.find((x) => x.type === 'Ready')!.lastTransitionTime, 'T2', 'still False: time unchanged');
  s = withNodeEntry({ status: s, node: 'a', entry: undefined, now: 'T4' });
  s = withNodeEntry({ status: s, node: 'b', entry: undefined, now: 'T5' });
  s = withNodeEntry({ status: s, node: 'c', entry: undefined, now: 'T6' });
  const none = s.conditions!.find((x) => x.type === 'Ready')!;
  assert.deepEqual([none.status, none.reason, s.nodeCount, s.readyNodes, s.observedGeneration], ['False', 'NoNodes', 0, 0, undefined]);
});

test('summary message names five nodes at most and cuts long messages', () => {
  let s: NetworkStatus | undefined;
  for (let i = 0; i < 8; i++) s = withNodeEntry({ status: s, node: `n${i}`, entry: { conditions: [c('Ready', false, 'Conflict', 'x'.repeat(1000))] }, now: 'T' });
  const msg = s!.conditions!.find((x) => x.type === 'Ready')!.message;
  assert.match(msg, /^0 of 8 nodes ready; n0: Conflict \(x+\.\.\.\); n1/);
  assert.match(msg, /; and 3 more$/);
  assert.ok(msg.length < 2000);
});
