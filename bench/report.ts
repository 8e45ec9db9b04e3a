// Turns the measured figures (medians over rounds) into table rows with targets and ratios.
import type { AgentFigures } from './agent-scenario.js';
import type { BaselineFigures } from './baseline.js';
import type { DockerFigures } from './docker.js';
import { ms, ratio, type Row } from './table.js';

export interface Measured {
  agent: Map<number, AgentFigures>;
  baseline: Map<number, BaselineFigures>;
  docker: DockerFigures | { skipped: string };
  /** N of the detailed pass (latencies, resync, idle) and of the big variant (0 = not run). */
  detail: number;
  big: number;
}

/** Docker's documented cost on these machines, used when no engine could be run. */
export const DOCKER_DOCUMENTED_CONNECT_MS = 80;
export const DOCKER_DOCUMENTED_DISCONNECT_MS = 100;

export function buildRows(m: Measured): Row[] {
  const rows: Row[] = [];
  const sizes = [...m.agent.keys()].filter((n) => m.agent.get(n)!.coldMs > 0).sort((a, b) => a - b);
  const d = m.detail;
  for (const n of sizes) {
    const a = m.agent.get(n)!;
    const b = m.baseline.get(n);
    const isTarget = n === d;
    rows.push({
      figure: `cold convergence N=${n} (total)`,
      nodenet: ms(a.coldMs, 0),
      baseline: ms(b?.coldMs, 0),
      ratio: ratio(a.coldMs, b?.coldMs),
      ...(isTarget ? { target: '<= 1.00x baseline', met: b ? a.coldMs <= b.coldMs : undefined } : {}),
    });
    rows.push({ figure: `  per attachment`, nodenet: ms(a.coldMs / n, 2), baseline: ms(b ? b.coldMs / n : undefined, 2), ratio: ratio(a.coldMs, b?.coldMs) });
  }
  const small = m.agent.get(Math.min(...sizes));
  const at = m.agent.get(d);
  const docker = 'skipped' in m.docker ? undefined : m.docker;
  if (at) {
    const connect = docker?.connectMs ?? DOCKER_DOCUMENTED_CONNECT_MS;
    const per = at.coldMs / d;
    rows.push({
      figure: `per attachment vs Docker connect (${docker ? `measured, ${docker.n} containers` : 'documented ~80 ms'})`,
      nodenet: ms(per, 2),
      baseline: `docker ${ms(connect, 1)}`,
      ratio: `${(connect / per).toFixed(0)}x faster`,
      target: '>= 20x faster',
      met: connect / per >= 20,
    });
    if (small && small !== at) {
      const scale = at.coldMs / small.coldMs;
      rows.push({ figure: `linearity: cold N=${d} / N=${small.n}`, nodenet: `${scale.toFixed(2)}x`, target: `<= ${((d / small.n) * 1.1).toFixed(1)}x`, met: scale <= (d / small.n) * 1.1 });
    }
  }
  for (const n of sizes) {
    const a = m.agent.get(n)!;
    const b = m.baseline.get(n);
    rows.push({
      figure: `teardown of all N=${n}`,
      nodenet: ms(a.teardownMs, 0),
      baseline: ms(b?.teardownMs, 0),
      ratio: ratio(a.teardownMs, b?.teardownMs),
      ...(n === d ? { target: '<= 1.50x baseline', met: b ? a.teardownMs <= 1.5 * b.teardownMs : undefined } : {}),
    });
  }
  const latencyRows = (n: number, label: string, pick: (f: AgentFigures | BaselineFigures) => { p50: number; p99: number; samples: number } | undefined): void => {
    const a = m.agent.get(n);
    const la = a && pick(a);
    if (!la) return;
    const b = m.baseline.get(n);
    const lb = b && pick(b);
    const targets = label === 'one more attachment' && n === d;
    rows.push({ figure: `${label} N=${n} p50 (${la.samples} reps)`, nodenet: ms(la.p50), baseline: ms(lb?.p50), ratio: ratio(la.p50, lb?.p50), ...(targets ? { target: '< 30 ms', met: la.p50 < 30 } : {}) });
    rows.push({ figure: `${label} N=${n} p99`, nodenet: ms(la.p99), baseline: ms(lb?.p99), ratio: ratio(la.p99, lb?.p99), ...(targets ? { target: '< 200 ms', met: la.p99 < 200 } : {}) });
  };
  for (const n of sizes.filter((x) => m.agent.get(x)!.oneMore)) latencyRows(n, 'one more attachment', (f) => f.oneMore);
  const base100 = small?.oneMore;
  const big = m.big ? m.agent.get(m.big) : undefined;
  if (big?.oneMore && base100) {
    rows.push({
      figure: `one more attachment N=${m.big} p50 / N=${small!.n} p50`,
      nodenet: `${(big.oneMore.p50 / base100.p50).toFixed(2)}x`,
      target: '<= 1.20x',
      met: big.oneMore.p50 / base100.p50 <= 1.2,
    });
  }
  for (const n of sizes.filter((x) => m.agent.get(x)!.oneLess)) latencyRows(n, 'one attachment removed', (f) => f.oneLess);
  for (const n of sizes.filter((x) => m.agent.get(x)!.portChange)) latencyRows(n, 'one port mapping changed', (f) => f.portChange);
  if (at?.resync) {
    const r = at.resync;
    const med = [...r.ms].sort((x, y) => x - y)[r.ms.length >> 1]!;
    rows.push({ figure: `no-op resync N=${d} (median of ${r.ms.length})`, nodenet: ms(med), target: '< 300 ms', met: med < 300 });
    rows.push({ figure: `  kernel changes (agent / netlink / nft)`, nodenet: `${r.agentChanges} / ${r.netlink} / ${r.nft}`, target: '0', met: r.agentChanges + r.netlink + r.nft === 0 });
  }
  if (at?.idle) {
    const i = at.idle;
    rows.push({ figure: `idle N=${d}: CPU over ${i.windowS.toFixed(0)} s`, nodenet: `${i.cpuPct.toFixed(2)} %`, target: '< 0.5 % of a core', met: i.cpuPct < 0.5 });
    rows.push({ figure: `idle N=${d}: resident memory (median / max)`, nodenet: `${i.rssMb.toFixed(0)} / ${i.maxRssMb.toFixed(0)} MB`, target: '< 150 MB', met: i.maxRssMb < 150 });
    rows.push({
      figure: `idle N=${d}: kernel changes/min (agent / netlink / nft)`,
      nodenet: `${i.agentChanges.toFixed(0)} / ${i.netlink.toFixed(0)} / ${i.nft.toFixed(0)}`,
      target: '0',
      met: i.agentChanges + i.netlink + i.nft === 0,
    });
  }
  for (const n of sizes) {
    const a = m.agent.get(n)!;
    const b = m.baseline.get(n);
    rows.push({ figure: `processes spawned per attachment, cold N=${n}`, nodenet: (a.coldSpawns / n).toFixed(3), baseline: b ? (b.coldSpawns / n).toFixed(3) : '-' });
  }
  if (at?.oneMore) {
    const b = m.baseline.get(d);
    rows.push({ figure: `processes spawned per added attachment N=${d}`, nodenet: at.oneMore.spawnsPerRep.toFixed(2), baseline: b?.oneMore ? b.oneMore.spawnsPerRep.toFixed(2) : '-' });
  }
  if (at) rows.push({ figure: `agent resident memory after cold N=${d}`, nodenet: `${at.rssAfterColdMb.toFixed(0)} MB` });
  if (docker) {
    rows.push({ figure: `docker network connect (${docker.n} running containers, per op)`, nodenet: '', baseline: `docker ${ms(docker.connectMs)}` });
    rows.push({ figure: `docker network disconnect (per op)`, nodenet: '', baseline: `docker ${ms(docker.disconnectMs)}` });
    if (at?.oneMore) {
      rows.push({ figure: `one more attachment p50 vs docker connect`, nodenet: ms(at.oneMore.p50), baseline: `docker ${ms(docker.connectMs)}`, ratio: `${(docker.connectMs / at.oneMore.p50).toFixed(1)}x faster` });
    }
  }
  return rows;
}
