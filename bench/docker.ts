// Docker comparison: `docker network connect` / `disconnect` of N running containers, timed
// through the Engine API (no CLI start-up in the figure). The engine runs inside the bench's
// throwaway network and mount namespaces, so its iptables rules, FORWARD DROP policy and
// bridges never reach the host; its data lives in a temporary directory removed afterwards.
// The image is a busybox rootfs made with `docker import` (no registry access needed).
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run, runOk, startProcess, type RunningProcess } from '../controllers/lib/exec.js';
import { sleep } from './stats.js';

export interface DockerFigures {
  n: number;
  /** Mean wall time of one connect / disconnect API call. */
  connectMs: number;
  disconnectMs: number;
  version: string;
}

const DOCKERD = '/usr/sbin/dockerd';
const DOCKER = '/usr/bin/docker';
const BUSYBOX = '/bin/busybox';
const IMAGE = 'nnbench/busybox:latest';

interface Api {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: string }>;
}

function apiOver(socketPath: string): Api {
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request({ socketPath, path, method, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(data);
    });
}

async function ok(api: Api, method: string, path: string, body?: unknown): Promise<string> {
  const r = await api(method, path, body);
  if (r.status >= 300) throw new Error(`docker API ${method} ${path}: ${r.status} ${r.body.trim()}`);
  return r.body;
}

/** Why the comparison cannot run here, or undefined when it can. */
export function dockerUnavailable(): string | undefined {
  if (!existsSync(DOCKERD) || !existsSync(DOCKER)) return `no Docker engine (${DOCKERD}); install docker.io to include the comparison`;
  if (!existsSync(BUSYBOX)) return `no ${BUSYBOX} to build the container image from (install busybox-static)`;
  return undefined;
}

/** cgroup directories Docker would create under each hierarchy; removed afterwards if we made them. */
function dockerCgroups(): string[] {
  const base = '/sys/fs/cgroup';
  const out: string[] = [];
  for (const h of readdirSafe(base)) out.push(join(base, h, 'docker'));
  out.push(join(base, 'docker'));
  return out;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function startEngine(root: string, exec: string): Promise<{ daemon: RunningProcess; api: Api; version: string }> {
  const sock = join(exec, 'docker.sock');
  const daemon = startProcess([
    DOCKERD,
    '--data-root', join(root, 'data'),
    '--exec-root', exec,
    '--pidfile', join(exec, 'docker.pid'),
    '-H', `unix://${sock}`,
    '--log-level', 'warn',
  ]);
  const api = apiOver(sock);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await api('GET', '/_ping')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`dockerd did not start:\n${daemon.output().slice(-2000)}`);
    await sleep(200);
  }
  const version = (JSON.parse(await ok(api, 'GET', '/version')) as { Version: string }).Version;
  return { daemon, api, version };
}

async function importImage(root: string, sock: string): Promise<void> {
  const rootfs = join(root, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
  for (const cmd of ['sh', 'sleep']) symlinkSync('busybox', join(rootfs, 'bin', cmd));
  const tar = join(root, 'rootfs.tar');
  await runOk({ argv: ['tar', '-C', rootfs, '-cf', tar, '.'] });
  await runOk({ argv: [DOCKER, '-H', `unix://${sock}`, 'import', tar, IMAGE], timeoutMs: 120_000 });
}

async function inParallel<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function runDocker(o: { n: number; root: string; progress(msg: string): void }): Promise<DockerFigures> {
  const exec = `/run/nnbd-${process.pid}`;
  const cgroupsBefore = new Set(dockerCgroups().filter((p) => existsSync(p)));
  mkdirSync(o.root, { recursive: true });
  const { daemon, api, version } = await startEngine(o.root, exec);
  const ids: string[] = [];
  try {
    await importImage(o.root, join(exec, 'docker.sock'));
    await ok(api, 'POST', '/networks/create', { Name: 'nnb-base', Driver: 'bridge', IPAM: { Config: [{ Subnet: '10.120.0.0/16' }] } });
    await ok(api, 'POST', '/networks/create', { Name: 'nnb-extra', Driver: 'bridge', IPAM: { Config: [{ Subnet: '10.121.0.0/16' }] } });
    o.progress(`docker ${version}: starting ${o.n} containers`);
    await inParallel(
      Array.from({ length: o.n }, (_, i) => i),
      4,
      async (i) => {
        const created = JSON.parse(
          await ok(api, 'POST', `/containers/create?name=nnb-c${i}`, { Image: IMAGE, Cmd: ['sleep', '1000000'], HostConfig: { NetworkMode: 'nnb-base' } }),
        ) as { Id: string };
        ids.push(created.Id);
        await ok(api, 'POST', `/containers/${created.Id}/start`);
      },
    );
    const t0 = performance.now();
    for (const id of ids) await ok(api, 'POST', '/networks/nnb-extra/connect', { Container: id });
    const connectMs = (performance.now() - t0) / ids.length;
    const t1 = performance.now();
    for (const id of ids) await ok(api, 'POST', '/networks/nnb-extra/disconnect', { Container: id });
    const disconnectMs = (performance.now() - t1) / ids.length;
    o.progress(`docker: connect ${connectMs.toFixed(1)} ms, disconnect ${disconnectMs.toFixed(1)} ms per op`);
    return { n: ids.length, connectMs, disconnectMs, version };
  } finally {
    await inParallel([...ids], 4, async (id) => {
      await api('DELETE', `/containers/${id}?force=1`).catch(() => undefined);
    });
    await daemon.stop('SIGTERM');
    // Only what this run created goes: the hierarchy's own "docker" dirs if they were not there before.
    for (const p of dockerCgroups()) {
      if (cgroupsBefore.has(p) || !existsSync(p)) continue;
      try {
        rmdirSync(p);
      } catch {
        // still in use or not empty: leave it, report below
      }
    }
    for (const m of [join(o.root, 'data'), exec]) await run({ argv: ['umount', '-R', m] });
    rmSync(o.root, { recursive: true, force: true });
    rmSync(exec, { recursive: true, force: true });
  }
}
