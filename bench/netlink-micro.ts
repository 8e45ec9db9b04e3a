// Micro-benchmark: N attachments (namespace + veth whose peer is born in it as eth0, enslaved
// to a bridge, address + default route + links up inside), built with the rtnetlink dataplane
// versus `ip -batch` (host side) + one `ip -n NS -batch` per namespace, as a script would.
// Usage (root): node dist/bench/netlink-micro.js [N]
// The work happens in a private network namespace and a private tmpfs over /run: nothing leaks.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runOk, spawnCount } from '../controllers/lib/exec.js';
import { createKernelDataplane } from '../controllers/dataplane/kernel.js';
import type { Dataplane, KernelOp } from '../controllers/dataplane/types.js';

const N = Number(process.argv[2] ?? 200);
const DIR = '/run/netns';
const BRIDGE = 'nn-bench';

function addrOf(i: number): string {
  return `10.200.${(i + 2) >> 8}.${(i + 2) & 255}`;
}

function apiAttach(dp: Dataplane, name: (i: number) => string): void {
  const host = dp.session();
  for (let i = 0; i < N; i++) {
    const path = join(DIR, name(i));
    const ops: KernelOp[] = [
      { op: 'netns.add', path },
      { op: 'link.add', link: { kind: 'veth', name: `nnva${i}`, peer: { name: 'eth0', netns: path } } },
      { op: 'link.set', ref: { name: `nnva${i}` }, master: { name: BRIDGE }, up: true },
    ];
    host.apply(ops);
    const s = dp.session(path);
    s.apply([
      { op: 'link.set', ref: { name: 'lo' }, up: true },
      { op: 'link.set', ref: { name: 'eth0' }, up: true },
      { op: 'addr.add', ref: { name: 'eth0' }, family: 4, address: addrOf(i), prefixLen: 16 },
      { op: 'route.replace', family: 4, dst: 'default', gateway: '10.200.0.1', dev: { name: 'eth0' } },
    ]);
    s.close();
  }
  host.close();
}

async function ipBatchAttach(name: (i: number) => string): Promise<void> {
  const host: string[] = [];
  for (let i = 0; i < N; i++) {
    host.push(`netns add ${name(i)}`, `link add nnvb${i} type veth peer name eth0 netns ${name(i)}`, `link set nnvb${i} master ${BRIDGE} up`);
  }
  await runOk({ argv: ['ip', '-batch', '-'], input: host.join('\n') + '\n' });
  for (let i = 0; i < N; i++) {
    const inside = ['link set lo up', 'link set eth0 up', `addr add ${addrOf(i)}/16 dev eth0`, 'route add default via 10.200.0.1 dev eth0'];
    await runOk({ argv: ['ip', '-n', name(i), '-batch', '-'], input: inside.join('\n') + '\n' });
  }
}

async function ping(ns: string): Promise<void> {
  await runOk({ argv: ['nsenter', `--net=${join(DIR, ns)}`, 'ping', '-c1', '-W2', '10.200.0.1'] });
}

/** Unmounts every namespace, then waits until the kernel has destroyed their veth pairs. */
async function teardown(dp: Dataplane, name: (i: number) => string, prefix: string): Promise<void> {
  const host = dp.session();
  for (let i = 0; i < N; i++) host.apply([{ op: 'netns.del', path: join(DIR, name(i)) }]);
  while (host.listLinks().some((l) => l.name.startsWith(prefix))) await new Promise((r) => setTimeout(r, 2));
  host.close();
}

/** Time spent per op kind (between consecutive op events, so session opening counts toward the next op). */
function breakdown(dp: Dataplane): () => string {
  const per = new Map<string, number>();
  let last = process.hrtime.bigint();
  const off = dp.onOp((ev) => {
    const now = process.hrtime.bigint();
    const key = ev.op.op === 'link.add' ? `link.add ${ev.op.link.kind}` : ev.op.op;
    per.set(key, (per.get(key) ?? 0) + Number(now - last) / 1e6);
    last = now;
  });
  return () => {
    off();
    return [...per.entries()].sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${(ms / N).toFixed(3)}`).join(', ');
  };
}

async function timed(label: string, fn: () => Promise<void> | void): Promise<number> {
  const spawnsBefore = spawnCount();
  const t0 = process.hrtime.bigint();
  await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${label.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms total  ${(ms / N).toFixed(2).padStart(7)} ms/attachment  ${String(spawnCount() - spawnsBefore).padStart(4)} processes`);
  return ms;
}

async function inner(): Promise<void> {
  // A private tmpfs over /run (we are in our own mount namespace): ip netns insists on /run/netns.
  await runOk({ argv: ['mount', '-t', 'tmpfs', 'nodenet-bench', '/run'] });
  await runOk({ argv: ['ip', 'link', 'set', 'lo', 'up'] });
  const dp = createKernelDataplane();
  dp.prepareNetnsDir(DIR);
  const host = dp.session();
  host.apply([
    { op: 'link.add', link: { kind: 'bridge', name: BRIDGE } },
    { op: 'link.set', ref: { name: BRIDGE }, up: true },
    { op: 'addr.add', ref: { name: BRIDGE }, family: 4, address: '10.200.0.1', prefixLen: 16 },
  ]);
  host.close();
  console.log(`nodenet netlink micro-benchmark: ${N} attachments (netns + veth peer eth0 in it + bridge port + addr + default route + up)`);
  const results: { api: number[]; ip: number[] } = { api: [], ip: [] };
  for (let round = 0; round < 2; round++) {
    // Alternate the order so neither variant always runs on a fresher kernel.
    for (const variant of round === 0 ? (['api', 'ip'] as const) : (['ip', 'api'] as const)) {
      if (variant === 'api') {
        const report = breakdown(dp);
        results.api.push(await timed('rtnetlink dataplane (in-process)', () => apiAttach(dp, (i) => `nna${i}`)));
        console.log(`  ms/attachment by op: ${report()}`);
        await ping(`nna${N - 1}`);
        await timed('  teardown + kernel cleanup', () => teardown(dp, (i) => `nna${i}`, 'nnva'));
      } else {
        results.ip.push(await timed('ip -batch + ip -n NS -batch', () => ipBatchAttach((i) => `nnb${i}`)));
        await ping(`nnb${N - 1}`);
        await timed('  teardown + kernel cleanup', () => teardown(dp, (i) => `nnb${i}`, 'nnvb'));
      }
    }
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length / N;
  console.log(`mean ms/attachment: rtnetlink ${mean(results.api).toFixed(2)}, ip -batch ${mean(results.ip).toFixed(2)}, speed-up ${(mean(results.ip) / mean(results.api)).toFixed(1)}x`);
}

if (process.env.NODENET_BENCH_INNER === '1') {
  await inner();
} else {
  const self = fileURLToPath(import.meta.url);
  const res = await run({
    argv: ['unshare', '--mount', '--net', '--', 'env', 'NODENET_BENCH_INNER=1', process.execPath, '--enable-source-maps', self, String(N)],
    timeoutMs: 600_000,
  });
  process.stdout.write(res.stdout);
  process.stderr.write(res.stderr);
  process.exitCode = res.code;
}
