// The baseline: the same kernel work as the agent, done the way a careful shell script would —
// one `ip -batch` for the host side (bridges, namespaces, veth pairs created with their peer in
// the namespace, bridge ports with hairpin, links up), one `ip -n NS -batch` per namespace
// (lo and eth0 up, address, default route), one `nft -f` loading the same nftables table the
// agent programs (rendered by nodenet's own renderer, so the rules and map elements are
// identical). Driven with argv arrays through controllers/lib/exec.ts; no state, no status.
import { performance } from 'node:perf_hooks';
import { macFromIpv4 } from '../api/ip.js';
import { desiredRuleset, renderRuleset } from '../controllers/dataplane/firewall/render.js';
import type { FwModel } from '../controllers/dataplane/firewall/types.js';
import { createKernelDataplane } from '../controllers/dataplane/kernel.js';
import { run, runOk, spawnCount } from '../controllers/lib/exec.js';
import { percentile, sleep } from './stats.js';
import type { Latency } from './agent-scenario.js';
import { baselineAddress, CHANGED_PORT_BASE, CONTAINER_PORT, EXTRA_PORT_BASE, networkCount, networkOf, PORT_BASE, subnetOf } from './workload.js';

export interface BaselineFigures {
  n: number;
  coldMs: number;
  coldSpawns: number;
  oneMore?: Latency & { spawnsPerRep: number };
  oneLess?: Latency;
  portChange?: Latency & { spawnsPerRep: number };
  teardownMs: number;
}

const bridge = (k: number): string => `nnbase-${k}`;
const hostIf = (tag: string): string => `nnb${tag}`;
const TABLE = 'inet nodenet';

interface Box {
  ns: string;
  tag: string;
  network: number;
  address: string;
  hostPort: number;
}

const box = (i: number, n: number): Box => ({ ns: `b-${i}`, tag: String(i), network: networkOf(i, n), address: baselineAddress(i, n), hostPort: PORT_BASE + i });
const extraBox = (j: number, n: number): Box => {
  const k = networkOf(j, n);
  return { ns: `y-${j}`, tag: `y${j}`, network: k, address: `10.${100 + k}.250.${j + 1}`, hostPort: EXTRA_PORT_BASE + j };
};

function hostLines(b: Box): string[] {
  const dev = hostIf(b.tag);
  return [
    `netns add ${b.ns}`,
    `link add ${dev} mtu 1500 type veth peer name eth0 netns ${b.ns} address ${macFromIpv4(b.address)} mtu 1500`,
    `link set ${dev} master ${bridge(b.network)} up`,
    `link set ${dev} type bridge_slave hairpin on`,
  ];
}

function nsLines(b: Box): string {
  const gw = subnetOf(b.network).gateway;
  return ['link set lo up', 'link set eth0 up', `addr add ${b.address}/16 dev eth0`, `route replace default via ${gw} dev eth0`, ''].join('\n');
}

function model(boxes: Box[], n: number): FwModel {
  return {
    networks: Array.from({ length: networkCount(n) }, (_, k) => ({
      name: `base-${k}`,
      bridge: bridge(k),
      subnets: [subnetOf(k).subnet],
      internal: false,
      masquerade: true,
      icc: true,
      isolation: true,
    })),
    ports: boxes.map((b) => ({ owner: b.ns, bridge: bridge(b.network), hostIP: '0.0.0.0', hostPort: b.hostPort, protocol: 'tcp', containerIP: b.address, containerPort: CONTAINER_PORT })),
  };
}

const ipBatch = (lines: string[]): Promise<unknown> => runOk({ argv: ['ip', '-batch', '-'], input: lines.join('\n') + '\n', timeoutMs: 600_000 });
const nsBatch = (b: Box): Promise<unknown> => runOk({ argv: ['ip', '-n', b.ns, '-batch', '-'], input: nsLines(b) });
const nft = async (script: string): Promise<void> => void await runOk({ argv: ['nft', '-f', '-'], input: script, timeoutMs: 600_000 });

function elements(b: Box): string[] {
  return [`dnat4_any { tcp . ${b.hostPort} : ${b.address} . ${CONTAINER_PORT} }`, `published4 { ${b.address} . tcp . ${CONTAINER_PORT} }`];
}

/** The whole world at once: host batch, one batch per namespace, one nft transaction. */
async function cold(boxes: Box[], n: number): Promise<void> {
  const host: string[] = [];
  for (let k = 0; k < networkCount(n); k++) {
    const s = subnetOf(k);
    host.push(`link add ${bridge(k)} type bridge`, `addr add ${s.gateway}/${s.prefix} dev ${bridge(k)}`, `link set ${bridge(k)} up`);
  }
  for (const b of boxes) host.push(...hostLines(b));
  await ipBatch(host);
  for (const b of boxes) await nsBatch(b);
  await nft(renderRuleset(desiredRuleset(model(boxes, n))));
}

async function addOne(b: Box): Promise<void> {
  await ipBatch(hostLines(b));
  await nsBatch(b);
  await nft(elements(b).map((e) => `add element ${TABLE} ${e}`).join('\n') + '\n');
}

async function removeOne(b: Box): Promise<void> {
  await ipBatch([`netns del ${b.ns}`]);
  await nft(elements(b).map((e) => `delete element ${TABLE} ${e.replace(/ : [^}]*/, ' ')}`).join('\n') + '\n');
}

const benchDp = createKernelDataplane();

function vethsLeft(): number {
  const s = benchDp.session();
  try {
    return s.listLinks().filter((l) => l.name.startsWith('nnb') && l.kind === 'veth').length;
  } finally {
    s.close();
  }
}

async function spawnsOf(fn: () => Promise<void>): Promise<{ ms: number; spawns: number }> {
  const s0 = spawnCount();
  const t0 = performance.now();
  await fn();
  return { ms: performance.now() - t0, spawns: spawnCount() - s0 };
}

export async function runBaseline(o: { n: number; reps: number; portReps: number; progress(msg: string): void }): Promise<BaselineFigures> {
  const boxes = Array.from({ length: o.n }, (_, i) => box(i, o.n));
  try {
    const c = await spawnsOf(() => cold(boxes, o.n));
    const f: BaselineFigures = { n: o.n, coldMs: c.ms, coldSpawns: c.spawns, teardownMs: NaN };
    o.progress(`baseline n=${o.n}: cold ${c.ms.toFixed(0)} ms`);
    if (o.reps > 0) {
      const add: number[] = [];
      const del: number[] = [];
      let spawns = 0;
      for (let j = 0; j < o.reps; j++) {
        const a = await spawnsOf(() => addOne(extraBox(j, o.n)));
        add.push(a.ms);
        spawns += a.spawns;
        del.push((await spawnsOf(() => removeOne(extraBox(j, o.n)))).ms);
        await sleep(20);
      }
      f.oneMore = { p50: percentile(add, 0.5), p99: percentile(add, 0.99), samples: add.length, spawnsPerRep: spawns / o.reps };
      f.oneLess = { p50: percentile(del, 0.5), p99: percentile(del, 0.99), samples: del.length };
    }
    if (o.portReps > 0) {
      const xs: number[] = [];
      let spawns = 0;
      for (let j = 0; j < o.portReps; j++) {
        const b = boxes[j % o.n]!;
        const next = CHANGED_PORT_BASE + j;
        const prev = j >= o.n ? CHANGED_PORT_BASE + j - o.n : b.hostPort;
        const r = await spawnsOf(() =>
          nft(`delete element ${TABLE} dnat4_any { tcp . ${prev} }\nadd element ${TABLE} dnat4_any { tcp . ${next} : ${b.address} . ${CONTAINER_PORT} }\n`),
        );
        xs.push(r.ms);
        spawns += r.spawns;
      }
      f.portChange = { p50: percentile(xs, 0.5), p99: percentile(xs, 0.99), samples: xs.length, spawnsPerRep: spawns / o.portReps };
    }
    const t0 = performance.now();
    await ipBatch(boxes.map((b) => `netns del ${b.ns}`));
    await nft(`delete table ${TABLE}\n`);
    while (vethsLeft() > 0) await sleep(10);
    f.teardownMs = performance.now() - t0;
    o.progress(`baseline n=${o.n}: teardown ${f.teardownMs.toFixed(0)} ms`);
    return f;
  } finally {
    await run({ argv: ['ip', '-batch', '-'], input: Array.from({ length: networkCount(o.n) }, (_, k) => `link del ${bridge(k)}`).join('\n') + '\n' });
    await run({ argv: ['nft', 'delete', 'table', 'inet', 'nodenet'] });
    // Only our private /run/netns (a tmpfs of the bench's mount namespace) is listed here.
    await run({ argv: ['ip', '-all', 'netns', 'delete'], timeoutMs: 600_000 });
  }
}
