// The Grafana dashboard only queries metrics the agent exports, and shows every nodenet metric.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/repo.js';
import { createMetrics } from '../../../controllers/metrics/metrics.js';
import { createProbeMetrics } from '../../../controllers/probes/metrics.js';
import { HostChecker } from '../../../controllers/hostcheck/checker.js';
import { createFakeDataplane } from '../../../controllers/dataplane/fake.js';

interface Panel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string }[];
}

test('every query names an exported metric; every exported nodenet metric has a panel', async () => {
  const dash = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/grafana/nodenet-dashboard.json'), 'utf8')) as { panels: Panel[]; uid: string; templating: { list: { name: string }[] } };
  const m = createMetrics();
  createProbeMetrics(m.registry);
  new HostChecker({ stateDir: '/nonexistent', node: 'n', intervalMs: 0, dp: createFakeDataplane(), model: () => ({ networks: [], ports: [] }), registry: m.registry });
  const exported = new Set((await m.registry.getMetricsAsJSON()).map((x) => x.name).filter((n) => n.startsWith('nodenet_') && !n.startsWith('nodenet_process_')));
  const queried = new Set<string>();
  for (const p of dash.panels) {
    for (const t of p.targets ?? []) {
      assert.match(t.expr, /instance=~"\$instance"/, `${p.title}: filtered by the node variable`);
      for (const name of t.expr.match(/nodenet_[a-z_]+/g) ?? []) queried.add(name.replace(/_(bucket|sum|count)$/, ''));
    }
  }
  for (const q of queried) assert.ok(exported.has(q), `${q} is exported`);
  for (const e of exported) assert.ok(queried.has(e), `${e} has a panel`);
  assert.ok(dash.templating.list.some((v) => v.name === 'instance'));
});

test('panels do not overlap on the grid', () => {
  const dash = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/grafana/nodenet-dashboard.json'), 'utf8')) as { panels: Panel[] };
  const cells = new Set<string>();
  for (const p of dash.panels) {
    assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the 24-column grid`);
    for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
      for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
        const k = `${x},${y}`;
        assert.ok(!cells.has(k), `${p.title} overlaps at ${k}`);
        cells.add(k);
      }
    }
  }
});
