// The firewall's part of the audit trail: one "kernel change" line per applied command, counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFirewall, nftOpLabel } from '../../../../controllers/audit/firewall-audit.js';
import { createMetrics } from '../../../../controllers/metrics/metrics.js';
import { setLogSink } from '../../../../controllers/lib/log.js';
import type { Firewall, FwSyncResult } from '../../../../controllers/dataplane/firewall/types.js';

function fakeFirewall(results: (FwSyncResult | Error)[]): Firewall {
  return {
    sync: async () => {
      const r = results.shift()!;
      if (r instanceof Error) throw r;
      return r;
    },
    plan: async () => [],
    render: () => '',
    invalidate: () => undefined,
    remove: async () => 0,
  };
}

test('each nft and compat command is a kernel change line with a bounded op label; failures too', async () => {
  const lines: Record<string, unknown>[] = [];
  const prev = setLogSink((l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  try {
    const m = createMetrics();
    const fw = auditFirewall(
      fakeFirewall([
        { changes: 3, script: 'add element inet nodenet dnat4_any { tcp . 8080 : 10.88.0.2 . 80 }\nadd element inet nodenet published4 { 10.88.0.2 . tcp . 80 }\nflush chain inet nodenet into_nn-a\n', compat: ['iptables -N NODENET-FORWARD'] },
        { changes: 0, script: '' },
        new Error('nft: busy'),
      ]),
      m,
    );
    await fw.sync({ networks: [], ports: [] });
    await fw.sync({ networks: [], ports: [] });
    await assert.rejects(fw.sync({ networks: [], ports: [] }), /busy/);
    const changes = lines.filter((l) => l.msg === 'kernel change');
    assert.deepEqual(changes.map((l) => [l.object, l.change, l.ok]), [
      ['firewall', 'nft add element inet nodenet dnat4_any { tcp . 8080 : 10.88.0.2 . 80 }', true],
      ['firewall', 'nft add element inet nodenet published4 { 10.88.0.2 . tcp . 80 }', true],
      ['firewall', 'nft flush chain inet nodenet into_nn-a', true],
      ['firewall', 'iptables -N NODENET-FORWARD', true],
      ['firewall', 'nft -f - (sync of inet nodenet)', false],
    ]);
    const ops = await m.registry.getSingleMetricAsString('nodenet_kernel_ops_total');
    assert.match(ops, /op="nft\.add\.element",result="ok"\} 2/);
    assert.match(ops, /op="iptables\.compat",result="ok"\} 1/);
    assert.match(ops, /op="nft\.transaction",result="error"\} 1/);
    assert.match(await m.registry.getSingleMetricAsString('nodenet_firewall_changes_total'), / 3$/m);
    assert.match(await m.registry.getSingleMetricAsString('nodenet_firewall_syncs_total'), /result="success"\} 2/);
  } finally {
    setLogSink(prev);
  }
});

test('op labels stay within a fixed set', () => {
  assert.equal(nftOpLabel('delete table inet nodenet'), 'nft.delete.table');
  assert.equal(nftOpLabel('add rule inet nodenet x drop'), 'nft.add.rule');
  assert.equal(nftOpLabel('weird { stuff'), 'nft.other.other');
});
