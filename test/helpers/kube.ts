// Kube-mode test helpers: the test API server with the nodenet CRDs applied, REST shortcuts for
// nodenet objects and nodes, the shipped kube examples, and the agent CLI in kube mode.
import { spawn } from 'node:child_process';
import { createConnection, createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { generateCrds } from '../../api/v1alpha1/crd.js';
import { GROUP, VERSION, type Kind } from '../../api/v1alpha1/types.js';
import { raw, startTestApiServer, type RawTarget, type TestApiServer, type TestApiServerOptions } from '../kubeapi/index.js';
import type { AgentProcess } from './agent-process.js';
import { CLI } from './agent-process.js';
import { REPO_ROOT } from './repo.js';

export type Obj = { apiVersion?: string; kind?: string; metadata: Record<string, any>; spec?: any; status?: any };

const PLURAL: Record<Kind, string> = { Network: 'networks', Sandbox: 'sandboxes', Attachment: 'attachments' };

export function pathOf(kind: Kind, name?: string, namespace = 'default'): string {
  const base = kind === 'Network' ? `/apis/${GROUP}/${VERSION}/${PLURAL[kind]}` : `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL[kind]}`;
  return name ? `${base}/${name}` : base;
}

export interface KubeWorld {
  server: TestApiServer;
  admin: RawTarget;
  create(o: Obj): Promise<Obj>;
  get(kind: Kind, name: string, namespace?: string): Promise<Obj | undefined>;
  /** Merge patch of the main resource. */
  patch(kind: Kind, name: string, body: unknown, namespace?: string): Promise<Obj>;
  remove(kind: Kind, name: string, namespace?: string): Promise<number>;
  list(kind: Kind): Promise<Obj[]>;
  node(name: string, labels?: Record<string, string>): Promise<void>;
  deleteNode(name: string): Promise<void>;
  namespace(name: string): Promise<void>;
  stop(): Promise<void>;
}

async function ok<T>(p: Promise<{ code: number; body: T }>, what: string): Promise<T> {
  const r = await p;
  if (r.code >= 300) throw new Error(`${what}: HTTP ${r.code} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A test API server with the generated nodenet CRDs established. */
export async function startKubeWorld(opts: TestApiServerOptions = {}): Promise<KubeWorld> {
  const server = await startTestApiServer(opts);
  const admin = server.rawTarget();
  for (const crd of generateCrds()) {
    await ok(raw(admin, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: crd }), `create CRD ${crd.metadata.name}`);
  }
  const world: KubeWorld = {
    server,
    admin,
    create: (o) => {
      const kind = o.kind as Kind;
      return ok(raw(admin, { method: 'POST', path: pathOf(kind, undefined, o.metadata.namespace ?? 'default'), body: o }), `create ${kind} ${o.metadata.name}`);
    },
    get: async (kind, name, namespace) => {
      const r = await raw<Obj>(admin, { path: pathOf(kind, name, namespace) });
      if (r.code === 404) return undefined;
      if (r.code >= 300) throw new Error(`get ${kind} ${name}: ${r.code}`);
      return r.body;
    },
    patch: (kind, name, body, namespace) =>
      ok(raw(admin, { method: 'PATCH', path: pathOf(kind, name, namespace), body, contentType: 'application/merge-patch+json' }), `patch ${kind} ${name}`),
    remove: async (kind, name, namespace) => (await raw(admin, { method: 'DELETE', path: pathOf(kind, name, namespace) })).code,
    list: async (kind) => (await ok(raw<{ items: Obj[] }>(admin, { path: `/apis/${GROUP}/${VERSION}/${PLURAL[kind]}` }), `list ${kind}`)).items,
    node: async (name, labels = {}) => {
      const cur = await raw(admin, { path: `/api/v1/nodes/${name}` });
      if (cur.code === 404) await ok(raw(admin, { method: 'POST', path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } } }), `create node ${name}`);
      else await ok(raw(admin, { method: 'PATCH', path: `/api/v1/nodes/${name}`, contentType: 'application/merge-patch+json', body: { metadata: { labels } } }), `label node ${name}`);
    },
    deleteNode: async (name) => {
      await ok(raw(admin, { method: 'DELETE', path: `/api/v1/nodes/${name}` }), `delete node ${name}`);
    },
    namespace: async (name) => {
      const r = await raw(admin, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
      if (r.code >= 300 && r.code !== 409) throw new Error(`create namespace ${name}: ${r.code}`);
    },
    stop: () => server.stop(),
  };
  return world;
}

/** The objects of manifests/examples/kube, in file order (Networks, Sandboxes, Attachments). */
export function kubeExamples(): Obj[] {
  const dir = join(REPO_ROOT, 'manifests/examples/kube');
  return ['networks.yaml', 'sandboxes.yaml', 'attachments.yaml'].flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj),
  );
}

export function keyOfObj(o: Obj): string {
  return o.kind === 'Network' ? `Network/${o.metadata.name}` : `${o.kind}/${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}

export function readyOf(o: Obj | undefined): string | undefined {
  const c = (o?.status?.conditions ?? []).find((x: { type: string }) => x.type === 'Ready');
  return c ? `${c.status}:${c.reason}` : undefined;
}

/** This node's part of an object's status (a Network's entry in status.nodes). */
export function statusFor(o: Obj | undefined, node: string): Record<string, any> | undefined {
  if (!o?.status) return undefined;
  if (o.kind === 'Network') return (o.status.nodes ?? []).find((e: { node: string }) => e.node === node);
  return o.status;
}

export function nodeReady(o: Obj | undefined, node: string): boolean {
  const s = statusFor(o, node);
  return (s?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
}

export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface KubeAgentOptions {
  kubeconfig: string;
  node: string;
  stateDir: string;
  netnsDir: string;
  extra?: string[];
  /** argv prefix, e.g. nsenter into another network namespace. */
  wrap?: string[];
}

/** The agent CLI in kube mode as a child process; resolves when it logged "agent ready". */
export async function startKubeAgent(o: KubeAgentOptions): Promise<AgentProcess> {
  const args = [
    '--enable-source-maps', CLI, 'run', '--kube', '--kubeconfig', o.kubeconfig, '--node-name', o.node,
    '--state-dir', o.stateDir, '--netns-dir', o.netnsDir, '--metrics-addr', 'off', ...(o.extra ?? []),
  ];
  const argv = [...(o.wrap ?? []), process.execPath, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBERNETES_SERVICE_HOST: '' } });
  const lines: string[] = [];
  // Chunks may end mid-line: keep the partial line until its newline arrives.
  const collector = (): ((d: Buffer) => void) => {
    let rest = '';
    return (d) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) if (l) lines.push(l);
    };
  };
  child.stdout!.on('data', collector());
  child.stderr!.on('data', collector());
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const end = Date.now() + 30_000;
  while (!lines.some((l) => l.includes('"agent ready"'))) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`agent ${o.node} did not get ready (exit ${child.exitCode}):\n${lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child,
    lines,
    kernelChanges: () => lines.filter((l) => l.includes('"kernel change"')),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * A unix socket at path that relays every connection to 127.0.0.1:port. Node namespaces cannot
 * reach the test process's loopback; a socat in each forwards to this socket (the file system is shared).
 */
export async function unixRelay(path: string, port: number): Promise<Server> {
  const relay = createServer((c) => {
    const up = createConnection({ host: '127.0.0.1', port });
    c.pipe(up).pipe(c);
    const end = (): void => {
      c.destroy();
      up.destroy();
    };
    c.on('error', end);
    up.on('error', end);
  });
  await new Promise<void>((r) => relay.listen(path, () => r()));
  return relay;
}
