// `make bench`: nodenet at scale against a plain ip/nft script and (when available) Docker.
// Everything runs in a throwaway network + mount namespace (the bench re-executes itself under
// `unshare --mount --net`): the host's links, namespaces and firewall are never touched.
//   node dist/bench/main.js [--sizes 100,500,1000] [--detail 1000] [--big 10000] [--reps 50]
//                           [--idle 60] [--rounds 1] [--docker auto|off] [--docker-n 100]
// See bench/README.md for what each figure means.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runOk, startProcess } from '../controllers/lib/exec.js';
import { runAgentScenario, type AgentFigures } from './agent-scenario.js';
import { runBaseline, type BaselineFigures } from './baseline.js';
import { dockerUnavailable, runDocker } from './docker.js';
import { buildRows, type Measured } from './report.js';
import { machineLoad, median, settle } from './stats.js';
import { renderTable } from './table.js';

const OPTIONS = {
  sizes: { type: 'string', default: '100,500,1000' },
  detail: { type: 'string', default: '1000' },
  big: { type: 'string', default: '10000' },
  reps: { type: 'string', default: '50' },
  idle: { type: 'string', default: '60' },
  resyncs: { type: 'string', default: '5' },
  rounds: { type: 'string', default: '1' },
  docker: { type: 'string', default: 'auto' },
  'docker-n': { type: 'string', default: '100' },
} as const;

type Opts = { sizes: number[]; detail: number; big: number; reps: number; idle: number; resyncs: number; rounds: number; docker: string; dockerN: number };

function options(argv: string[]): Opts {
  const { values: v } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  const num = (s: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new Error(`bench: expected a whole number, got ${s}`);
    return n;
  };
  return {
    sizes: v.sizes.split(',').map(num),
    detail: num(v.detail),
    big: num(v.big),
    reps: num(v.reps),
    idle: num(v.idle),
    resyncs: num(v.resyncs),
    rounds: Math.max(1, num(v.rounds)),
    docker: v.docker,
    dockerN: num(v['docker-n']),
  };
}

const progress = (msg: string): void => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** Median of each numeric field over rounds (nested one level for latency objects). */
function medianOf<T extends object>(runs: T[]): T {
  const first = runs[0]!;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(first)) {
    if (typeof v === 'number') out[k] = median(runs.map((r) => (r as Record<string, number>)[k]!));
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = medianOf(runs.map((r) => (r as Record<string, object>)[k]!).filter(Boolean));
    else out[k] = v;
  }
  return out as T;
}

async function inner(o: Opts): Promise<void> {
  await runOk({ argv: ['ip', 'link', 'set', 'lo', 'up'] });
  // ip(8) keeps named namespaces in /run/netns: a tmpfs private to this mount namespace.
  mkdirSync('/run/netns', { recursive: true });
  await runOk({ argv: ['mount', '-t', 'tmpfs', 'nodenet-bench', '/run/netns'] });
  const root = mkdtempSync('/var/tmp/nodenet-bench-');
  const load0 = await machineLoad();
  console.log(`nodenet bench: kernel ${release()}, node ${process.version}, load ${load0.load1.toFixed(2)}, busy ${(load0.busy * 100).toFixed(0)}% at start`);
  const agentRuns = new Map<number, AgentFigures[]>();
  const baseRuns = new Map<number, BaselineFigures[]>();
  const push = <T>(m: Map<number, T[]>, n: number, v: T): void => void (m.get(n) ?? m.set(n, []).get(n)!).push(v);
  let port = 19_753;
  const small = Math.min(...o.sizes);
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const n of o.sizes) {
        const detailed = n === o.detail;
        const reps = detailed || n === small ? o.reps : 0;
        const agentPass = async (): Promise<void> => {
          await settle();
          const f = await runAgentScenario({
            n,
            root: join(root, `agent-${round}-${n}`),
            metricsPort: port++,
            reps,
            portReps: detailed ? o.reps : 0,
            resyncs: detailed ? o.resyncs : 0,
            idleS: detailed && round === 0 ? o.idle : 0,
            progress,
          });
          push(agentRuns, n, f);
        };
        const basePass = async (): Promise<void> => {
          await settle();
          push(baseRuns, n, await runBaseline({ n, reps, portReps: detailed ? o.reps : 0, progress }));
        };
        // Alternate who goes first, so neither always meets a fresher kernel.
        for (const pass of round % 2 === 0 ? [basePass, agentPass] : [agentPass, basePass]) await pass();
      }
    }
    if (o.big > 0) {
      await settle();
      push(agentRuns, o.big, await runAgentScenario({ n: o.big, root: join(root, `agent-big`), metricsPort: port++, reps: o.reps, portReps: 0, resyncs: 0, idleS: 0, progress }));
      await settle();
      push(baseRuns, o.big, await runBaseline({ n: o.big, reps: o.reps, portReps: 0, progress }));
    }
    let docker: Measured['docker'] = { skipped: 'disabled (--docker off)' };
    if (o.docker !== 'off') {
      const why = dockerUnavailable();
      if (why) docker = { skipped: why };
      else {
        await settle();
        docker = await runDocker({ n: o.dockerN, root: join(root, 'docker'), progress });
      }
    }
    const measured: Measured = {
      agent: new Map([...agentRuns].map(([n, runs]) => [n, medianOf(runs)])),
      baseline: new Map([...baseRuns].map(([n, runs]) => [n, medianOf(runs)])),
      docker,
      detail: o.detail,
      big: o.big,
    };
    const load1 = await machineLoad();
    console.log(`\nnodenet bench results (${o.rounds} round(s), medians; load ${load0.load1.toFixed(2)} at start, ${load1.load1.toFixed(2)} at end)`);
    console.log(renderTable(buildRows(measured)));
    if ('skipped' in docker) console.log(`\nDocker comparison skipped: ${docker.skipped}. The Docker ratio uses Docker's documented ~80 ms per connect on these machines.`);
    console.log(`\nraw: ${JSON.stringify({ agent: Object.fromEntries(agentRuns), baseline: Object.fromEntries(baseRuns), docker })}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = options(argv);
  if (process.env.NODENET_BENCH_INNER === '1') return inner(o);
  // Re-run inside fresh network and mount namespaces; nothing the bench makes can reach the host.
  const self = fileURLToPath(import.meta.url);
  const child = startProcess(['unshare', '--mount', '--net', '--', 'env', 'NODENET_BENCH_INNER=1', process.execPath, '--enable-source-maps', self, ...argv], {
    onOutput: (text) => process.stdout.write(text),
  });
  process.exitCode = (await child.exited) ?? 1;
}

await main();
