// The --watch frame: counts per kind, pending (declared, unreported), the longest-waiting first,
// the node's host condition and failing probes; status files re-read only when they change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { renderFrame, StatusDirCache } from '../../../../controllers/cli/status-watch.js';
import type { StatusRecord } from '../../../../controllers/status/record.js';
import type { NodeStatus } from '../../../../controllers/hostcheck/node-status.js';

function rec(kind: 'Network' | 'Attachment', name: string, ready: 'True' | 'False', since: string, extra: { type: string; status: 'True' | 'False' }[] = []): StatusRecord {
  const conds = [{ type: 'Ready', status: ready, reason: ready === 'True' ? 'Converged' : 'NetworkNotReady', message: ready === 'True' ? '' : 'waiting', lastTransitionTime: since }, ...extra.map((e) => ({ ...e, reason: 'x', message: '', lastTransitionTime: since }))];
  return { kind, ...(kind === 'Network' ? {} : { namespace: 'default' }), name, generation: 1, status: { conditions: conds }, updatedAt: since };
}

test('a frame counts per kind and lists what is not ready, longest first', () => {
  const now = new Date('2025-01-01T00:01:00Z');
  const records = [
    rec('Network', 'a', 'True', '2025-01-01T00:00:00Z'),
    rec('Attachment', 'x1', 'True', '2025-01-01T00:00:00Z', [{ type: 'PortsReachable', status: 'False' }]),
    rec('Attachment', 'x2', 'False', '2025-01-01T00:00:50Z'),
    rec('Attachment', 'x3', 'False', '2025-01-01T00:00:10Z'),
  ];
  const node: NodeStatus = { kind: 'Node', name: 'n1', status: { conditions: [{ type: 'HostCompatible', status: 'False', reason: 'IpForwardOff', message: '', lastTransitionTime: '' }], conflicts: [{ reason: 'IpForwardOff', message: 'forwarding is off', fix: 'sysctl -w net.ipv4.ip_forward=1', decidedBy: '' }] }, updatedAt: '' };
  const f = renderFrame({ records, declared: new Set(['Attachment/default/x4']), nodes: [node], now, startedAt: new Date('2025-01-01T00:00:30Z'), limit: 2 });
  assert.equal(f.allReady, false);
  const lines = f.text.split('\n');
  assert.match(lines.find((l) => l.startsWith('Attachment'))!, /^Attachment\s+1\s+2\s+1\s+4$/);
  assert.match(lines.find((l) => l.startsWith('all'))!, /^all\s+2\s+2\s+1\s+5$/);
  assert.ok(lines.includes('node n1: HostCompatible=False (IpForwardOff): forwarding is off; fix: sysctl -w net.ipv4.ip_forward=1'));
  assert.ok(lines.includes('probes failing: PortsReachable 1'));
  const rows = lines.slice(lines.findIndex((l) => l.startsWith('not ready (3')) + 2);
  assert.match(rows[0]!, /^Attachment\s+default\/x3\s+NetworkNotReady\s+50s\s+waiting$/);
  assert.match(rows[1]!, /^Attachment\s+default\/x2\s+NetworkNotReady\s+10s/);
  assert.equal(rows[2], '... and 1 more');
  const done = renderFrame({ records: [records[0]!], nodes: [], now, startedAt: now, limit: 5 });
  assert.equal(done.allReady, true);
});

test('the cache re-reads a status file only when it changed, and forgets removed ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nn-watch-'));
  const a = join(dir, 'status/Network');
  mkdirSync(a, { recursive: true });
  mkdirSync(join(dir, 'status/Node'), { recursive: true });
  writeFileSync(join(dir, 'status/Node/n1.json'), '{"kind":"Node"}');
  const file = join(a, 'a.json');
  writeFileSync(file, JSON.stringify(rec('Network', 'a', 'False', 't')));
  const cache = new StatusDirCache(dir);
  assert.equal(cache.read().length, 1, 'the node report is not an object');
  writeFileSync(file, JSON.stringify(rec('Network', 'a', 'True', 't')));
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.equal((cache.read()[0]!.status.conditions as { status: string }[])[0]!.status, 'True');
  writeFileSync(join(a, 'b.json'), '{torn');
  assert.equal(cache.read().length, 1, 'a torn file is skipped');
});
