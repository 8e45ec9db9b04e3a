// startTestApiServer: an in-process Kubernetes API server for tests, on 127.0.0.1 over plain HTTP.
// See README.md in this folder for what it emulates and what it does not.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import type { Unevaluated } from './cel/rules.js';
import type { RawTarget } from './client.js';
import { CrdController } from './controllers/crd.js';
import { NamespaceController } from './controllers/namespace.js';
import { Controls, type FaultSpec, type RequestFilter, type RequestRecord } from './controls.js';
import { handle } from './http/handler.js';
import type { VersionInfo } from './http/nonresource.js';
import { writeKubeconfig } from './kubeconfig.js';
import type { AdmissionHook, Authorizer, Caller, Ctx } from './ops/context.js';
import { create } from './ops/write.js';
import { Registry } from './registry.js';
import { Store } from './store.js';
import { selfSignedCert } from './tls.js';
import { resourceKey, storageVersion, type KObject, type ResourceDef } from './types.js';
import { WatchHub } from './watch.js';

export interface TestApiServerOptions {
  /** Users besides "admin": name -> bearer token (or token + groups). Tokens are generated when empty. */
  users?: Record<string, string | { token?: string; groups?: string[] }>;
  /** Accept requests without a token as system:anonymous (default false: 401). */
  anonymous?: boolean;
  /** Events kept for watch resumption before older resourceVersions become 410 Gone (default 1000). */
  eventWindow?: number;
  /** How often BOOKMARK events go to watches that allow them (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** Server-side watch timeout when the client sets none (default: none). */
  watchTimeoutSeconds?: number;
  /** Maintain metadata.managedFields (default true). */
  managedFields?: boolean;
  /** kube-apiserver answers strategic merge patch on custom resources with 415 ('reject', default). */
  strategicMergeOnCustomResources?: 'reject' | 'merge';
  /** What /version reports (default v1.32.0). */
  version?: VersionInfo;
  /** Port on 127.0.0.1 (default: any free port). */
  port?: number;
  /** Serve https with a fresh self-signed certificate (default true; kubectl sends tokens only over TLS). */
  tls?: boolean;
}

export interface TestApiServer {
  url: string;
  /** PEM of the self-signed serving certificate (undefined with tls: false). */
  caPem: string | undefined;
  /** Bearer token of a user (created on first use). */
  tokenFor(user: string): string;
  /** Target for the raw client in client.ts. */
  rawTarget(user?: string): RawTarget;
  /** Kubeconfig of the admin user (system:masters). */
  kubeconfigPath: string;
  /** Kubeconfig file for a user (created on first use). */
  kubeconfigFor(user: string, namespace?: string): string;
  /** A client-node KubeConfig for a user (default admin). */
  kubeConfig(user?: string): KubeConfig;
  /** Adds a user with a token; returns the token. */
  addUser(name: string, token?: string, groups?: string[]): string;
  stop(): Promise<void>;
  /** Ends every open watch stream; returns how many were open. abrupt: destroy the sockets instead of ending the streams. */
  dropWatches(opts?: { abrupt?: boolean }): number;
  openWatches(): number;
  /** Forgets the event history: resuming a watch or an exact list from any older resourceVersion gets 410. */
  compact(): void;
  resourceVersion(): number;
  requests(filter?: RequestFilter): RequestRecord[];
  countRequests(filter?: RequestFilter): number;
  resetRequests(): void;
  /** The next `count` (default 1) requests matching the spec fail with `code`. */
  failNext(spec: FaultSpec): void;
  clearFaults(): void;
  /** Stored objects of a resource ("widgets.test.example.com", "nodes", "leases.coordination.k8s.io"). */
  objects(resource: string, namespace?: string): KObject[];
  object(resource: string, name: string, namespace?: string): KObject | undefined;
  /** Registers an admission hook (ValidatingAdmissionPolicy stand-in); returns an unregister function. */
  onAdmission(hook: AdmissionHook): () => void;
  /** Registers an authorizer (RBAC stand-in); returns an unregister function. */
  onAuthorize(fn: Authorizer): () => void;
  /** CEL rules that could not be evaluated (accepted without checking). */
  unevaluatedRules(): Unevaluated[];
}

function serialLock(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

function findDef(reg: Registry, resource: string): ResourceDef {
  const dot = resource.indexOf('.');
  const def = dot < 0 ? reg.get('', resource) : reg.get(resource.slice(dot + 1), resource.slice(0, dot));
  if (!def) throw new Error(`kubeapi: unknown resource ${resource}`);
  return def;
}

export async function startTestApiServer(opts: TestApiServerOptions = {}): Promise<TestApiServer> {
  const store = new Store(opts.eventWindow ?? 1000);
  const registry = new Registry();
  const hub = new WatchHub(store, opts.bookmarkIntervalMs ?? 1000);
  const ctx: Ctx = {
    store, registry, hub, admission: [], authorizers: [], unevaluated: [], managedFields: opts.managedFields ?? true,
    strategicMergeOnCustomResources: opts.strategicMergeOnCustomResources ?? 'reject', lock: serialLock(),
  };
  new CrdController(ctx);
  new NamespaceController(ctx);
  const tokens = new Map<string, Caller>();
  const tokenOf = new Map<string, string>();
  const addUser = (name: string, token?: string, groups?: string[]): string => {
    const tok = token || randomBytes(12).toString('hex');
    tokens.set(tok, { user: name, groups: groups ?? ['system:authenticated'] });
    tokenOf.set(name, tok);
    return tok;
  };
  addUser('admin', undefined, ['system:masters', 'system:authenticated']);
  for (const [name, v] of Object.entries(opts.users ?? {})) {
    if (typeof v === 'string') addUser(name, v);
    else addUser(name, v.token, v.groups);
  }
  const system: Caller = { user: 'system:apiserver', groups: ['system:masters'] };
  const nsDef = registry.get('', 'namespaces')!;
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await create(ctx, { def: nsDef, version: storageVersion(nsDef) }, system, { metadata: { name: ns } }, { dryRun: false, fieldValidation: 'Ignore', force: false, userAgent: 'kube-apiserver' });
  }
  const controls = new Controls();
  const sockets = new Set<Socket>();
  let address = '';
  const deps = { ctx, controls, tokens, anonymous: opts.anonymous ?? false, version: opts.version ?? { major: '1', minor: '32', gitVersion: 'v1.32.0' }, address: () => address, ...(opts.watchTimeoutSeconds ? { watchTimeoutSeconds: opts.watchTimeoutSeconds } : {}) };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(deps, req, res).catch((err: unknown) => console.error('kubeapi: request failed', err));
  };
  const cert = opts.tls === false ? undefined : selfSignedCert();
  const server: Server = cert ? createHttpsServer({ key: cert.keyPem, cert: cert.certPem }, onRequest) : createHttpServer(onRequest);
  // raw TCP sockets: a TLS connection still in its handshake must be cut on stop() too
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `${cert ? 'https' : 'http'}://${address}`;
  const caData = cert ? Buffer.from(cert.certPem).toString('base64') : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kubeapi-'));
  const kubeconfigs = new Map<string, string>();
  const kubeconfigFor = (user: string, namespace?: string): string => {
    const key = `${user}/${namespace ?? ''}`;
    const known = kubeconfigs.get(key);
    if (known) return known;
    const token = tokenOf.get(user) ?? addUser(user);
    const path = writeKubeconfig(join(dir, `${user.replace(/[^A-Za-z0-9_.-]/g, '_')}${namespace ? `-${namespace}` : ''}.kubeconfig`), { server: url, user, token, ...(namespace ? { namespace } : {}), ...(caData ? { caData } : {}) });
    kubeconfigs.set(key, path);
    return path;
  };
  const kubeconfigPath = kubeconfigFor('admin');
  let stopped = false;
  const tokenFor = (user: string): string => tokenOf.get(user) ?? addUser(user);
  return {
    url,
    caPem: cert?.certPem,
    tokenFor,
    rawTarget: (user = 'admin') => ({ url, token: tokenFor(user), ...(cert ? { caPem: cert.certPem } : {}) }),
    kubeconfigPath,
    kubeconfigFor,
    kubeConfig: (user = 'admin') => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigFor(user));
      return kc;
    },
    addUser,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      hub.stop();
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
    dropWatches: (o) => (o?.abrupt ? hub.abortAll() : hub.dropAll()),
    openWatches: () => hub.count(),
    compact: () => store.compact(),
    resourceVersion: () => store.currentRv(),
    requests: (filter) => controls.filter(filter ?? {}),
    countRequests: (filter) => controls.count(filter),
    resetRequests: () => {
      controls.log.length = 0;
    },
    failNext: (spec) => controls.inject(spec),
    clearFaults: () => controls.clearFaults(),
    objects: (resource, namespace) => {
      const def = findDef(registry, resource);
      return store.list(resourceKey(def.group, def.plural)).filter((o) => namespace === undefined || o.metadata.namespace === namespace);
    },
    object: (resource, name, namespace) => {
      const def = findDef(registry, resource);
      return store.get(resourceKey(def.group, def.plural), namespace, name);
    },
    onAdmission: (hook) => {
      ctx.admission.push(hook);
      return () => void ctx.admission.splice(ctx.admission.indexOf(hook), 1);
    },
    onAuthorize: (fn) => {
      ctx.authorizers.push(fn);
      return () => void ctx.authorizers.splice(ctx.authorizers.indexOf(fn), 1);
    },
    unevaluatedRules: () => [...ctx.unevaluated],
  };
}
