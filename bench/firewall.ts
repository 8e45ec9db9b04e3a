// Firewall sync timings: a cold sync of N published ports, a warm sync adding one port, a no-op
// sync, a re-read after invalidate(). Runs in a throwaway network namespace (needs root):
//   node dist/bench/firewall.js [ports...]      (default: 1000 10000)
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createNftFirewall } from '../controllers/dataplane/firewall/index.js';
import type { FwModel, FwPort } from '../controllers/dataplane/firewall/types.js';
import { spawnCount } from '../controllers/lib/exec.js';
import { setLogLevel } from '../controllers/lib/log.js';
import { enterScratchNetns } from '../test/helpers/scratch.js';

export interface FirewallBench {
  ports: number;
  coldMs: number;
  coldSpawns: number;
  addOneMs: number;
  addOneSpawns: number;
  addOneElementOnly: boolean;
  addOneScriptLines: number;
  noopMs: number;
  noopSpawns: number;
  rereadMs: number;
  removeOneMs: number;
}

function portAt(i: number): FwPort {
  const host = i + 2;
  return {
    owner: `bench/p${i}`,
    bridge: 'nn-bench',
    hostIP: '0.0.0.0',
    hostPort: 10000 + i,
    protocol: i % 2 === 0 ? 'tcp' : 'udp',
    containerIP: `10.200.${host >> 8}.${host & 255}`,
    containerPort: 80 + (i % 3),
  };
}

function modelOf(n: number): FwModel {
  return {
    networks: [
      { name: 'bench', bridge: 'nn-bench', subnets: ['10.200.0.0/16'], internal: false, masquerade: true, icc: true, isolation: true },
      { name: 'other', bridge: 'nn-other', subnets: ['10.201.0.0/24'], internal: false, masquerade: true, icc: false, isolation: true },
    ],
    ports: Array.from({ length: n }, (_, i) => portAt(i)),
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; spawns: number; value: T }> {
  const s0 = spawnCount();
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, spawns: spawnCount() - s0, value };
}

export async function benchFirewall(n: number): Promise<FirewallBench> {
  const cleanup = createNftFirewall();
  await cleanup.remove();
  const fw = createNftFirewall();
  const model = modelOf(n);
  const cold = await timed(() => fw.sync(model));
  const plusOne = modelOf(n + 1);
  const add = await timed(() => fw.sync(plusOne));
  const lines = add.value.script.trim().split('\n');
  const noop = await timed(() => fw.sync(plusOne));
  fw.invalidate();
  const reread = await timed(() => fw.sync(plusOne));
  const removeOne = await timed(() => fw.sync(model));
  await fw.remove();
  return {
    ports: n,
    coldMs: cold.ms,
    coldSpawns: cold.spawns,
    addOneMs: add.ms,
    addOneSpawns: add.spawns,
    addOneElementOnly: lines.every((l) => /^(add|delete) element /.test(l)),
    addOneScriptLines: lines.length,
    noopMs: noop.ms,
    noopSpawns: noop.spawns,
    rereadMs: reread.ms,
    removeOneMs: removeOne.ms,
  };
}

async function main(): Promise<void> {
  setLogLevel('warn');
  await enterScratchNetns();
  const sizes = process.argv.slice(2).map(Number);
  for (const n of sizes.length ? sizes : [1000, 10000]) {
    const runs: FirewallBench[] = [];
    for (let i = 0; i < 3; i++) runs.push(await benchFirewall(n));
    for (const r of runs) {
      console.log(
        `firewall ports=${r.ports} cold=${r.coldMs.toFixed(1)}ms (${r.coldSpawns} procs) add1=${r.addOneMs.toFixed(1)}ms (${r.addOneSpawns} proc, ${r.addOneScriptLines} lines, element-only=${r.addOneElementOnly}) ` +
          `noop=${r.noopMs.toFixed(2)}ms (${r.noopSpawns} procs) reread=${r.rereadMs.toFixed(1)}ms remove1=${r.removeOneMs.toFixed(1)}ms`,
      );
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
