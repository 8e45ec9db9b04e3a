// Sandbox reconciler: the network namespace (created under the netns dir, or adopted by path),
// loopback up with our ownership marker, and the hostname/hosts/resolv.conf files.
import { existsSync, lstatSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attachment, Sandbox } from '../../api/v1alpha1/types.js';
import type { KernelOp } from '../dataplane/types.js';
import { keyOfMarker, markerOf } from '../model/names.js';
import { markerRefusal, netnsPathRefusal, type AdoptRefusal } from './netns-check.js';
import { resolveSandbox, type ResolvedSandbox as RSandbox } from '../../api/v1alpha1/defaults.js';
import type { Result } from '../queue/workqueue.js';
import { safeJoin } from '../state/safe-path.js';
import { parseKey } from '../store/keys.js';
import type { EngineContext } from './context.js';
import { report } from './report.js';
import { renderHosts, renderResolvConf, type HostsEntry } from './sandbox-files.js';
import { applySteps, type Step } from './steps.js';
import { forgetDir, writeIfChanged as writeFile } from './file-writer.js';
import { ownedBySandbox } from '../ownership/reconciled.js';
import { hostNetnsPath, usesHostNetwork } from './drivers/shared-netns.js';
import type { DesiredObject } from '../store/desired.js';

const SANDBOX_FILES = ['hostname', 'hosts', 'resolv.conf'] as const;

export function sandboxFilesDir(stateDir: string, key: string): string {
  const { namespace, name } = parseKey(key);
  return safeJoin(stateDir, 'sandboxes', namespace ?? 'default', name);
}

export async function reconcileSandbox(ctx: EngineContext, key: string): Promise<Result | void> {
  const desired = ctx.store.get(key);
  if (!desired) return teardownSandbox(ctx, key);
  const conflicts = ctx.store.conflictsOf(key);
  if (conflicts.length > 0) {
    await report(ctx, desired, { ready: false, reason: 'Conflict', message: conflicts.map((c) => `${c.path}: ${c.message}`).join('; ') });
    return;
  }
  const sb = resolveSandbox(desired.object as Sandbox, { netnsDir: ctx.config.netnsDir });
  const prev = ctx.ledger.get('sandboxes', key);
  const hostNetwork = usesHostNetwork(ctx, key);
  if (prev && (hostNetwork || prev.netnsPath !== sb.netnsPath)) await dropNamespace(ctx, key);
  if (hostNetwork) return reportHostNetwork(ctx, desired, key, sb);
  const ensured = sb.adopted ? adoptCheck(ctx, sb) : await ensureCreated(ctx, sb);
  if ('problem' in ensured) {
    await report(ctx, desired, { ready: false, reason: ensured.reason, message: ensured.problem });
    return ensured.retryMs ? { requeueAfterMs: ensured.retryMs } : undefined;
  }
  const files = await writeFiles(ctx, key, sb);
  if (ensured.created) for (const a of ctx.store.attachmentsOfSandbox(key)) ctx.enqueue(a);
  await report(ctx, desired, {
    ready: true,
    reason: 'Converged',
    message: '',
    ...(files.dnsFallback
      ? { degraded: { reason: 'DnsFallback', message: 'the host has only loopback resolvers; using 8.8.8.8/8.8.4.4 (set spec.dns.nameservers)' } }
      : {}),
    facts: {
      netnsPath: sb.netnsPath,
      adopted: sb.adopted,
      hostnameFile: files.hostname,
      hostsFile: files.hosts,
      resolvConf: files.resolv,
      owned: ownedBySandbox({ netnsPath: sb.netnsPath, created: !sb.adopted, files: [files.hostname, files.hosts, files.resolv] }),
    },
  });
}

/** A sandbox on a host-driver network has no namespace of its own: it uses the node's. */
async function reportHostNetwork(ctx: EngineContext, desired: DesiredObject, key: string, sb: RSandbox): Promise<void> {
  const files = await writeFiles(ctx, key, sb);
  const moved = ctx.status.get(key)?.status.hostNetwork !== true;
  await report(ctx, desired, {
    ready: true,
    reason: 'Converged',
    message: '',
    facts: { netnsPath: hostNetnsPath(), hostNetwork: true, adopted: false, hostnameFile: files.hostname, hostsFile: files.hosts, resolvConf: files.resolv },
  });
  // Readiness did not flip, so nothing else wakes the attachments waiting for the move.
  if (moved) for (const a of ctx.store.attachmentsOfSandbox(key)) ctx.enqueue(a);
}

type Ensured = { created: boolean } | { problem: string; reason: string; retryMs?: number };

/** A path the guard refuses: reported, retried (the file system may be fixed), and never touched. */
function refusal(r: AdoptRefusal): Ensured {
  return { problem: `spec.netns.path: ${r.message}`, reason: r.reason, retryMs: 10_000 };
}

function adoptCheck(ctx: EngineContext, sb: RSandbox): Ensured {
  const refused = netnsPathRefusal(ctx, sb);
  if (refused) return refusal(refused);
  const lo = readLo(ctx, sb.netnsPath);
  const foreign = markerRefusal(sb, lo?.alias);
  if (foreign) return refusal(foreign);
  ctx.ledger.set('sandboxes', sb.key, { netnsPath: sb.netnsPath, created: false });
  const steps = loopbackSteps(sb, { mark: false, lo });
  applySteps(ctx.dp, steps);
  return { created: false };
}

async function ensureCreated(ctx: EngineContext, sb: RSandbox): Promise<Ensured> {
  const rec = ctx.ledger.get('sandboxes', sb.key);
  // Whatever sits at our path must be a plain namespace file, not a link to (say) the host's.
  const refused = netnsPathRefusal(ctx, sb);
  if (refused?.reason === 'NetnsRefused') return { ...refusal(refused), problem: `spec.netns.name: ${refused.message}` };
  const exists = ctx.dp.isNetns(sb.netnsPath);
  const lo = exists ? readLo(ctx, sb.netnsPath) : undefined;
  const marker = lo?.alias;
  const otherOwner = keyOfMarker(marker);
  if (exists && otherOwner !== undefined && otherOwner !== sb.key) {
    return { problem: `network namespace ${sb.netnsPath} belongs to ${otherOwner}; choose another spec.netns.name`, reason: 'Conflict' };
  }
  if (exists && !(rec?.created && rec.netnsPath === sb.netnsPath) && marker !== markerOf(sb.key)) {
    return {
      problem: `network namespace ${sb.netnsPath} already exists and was not created by nodenet; to use it, set spec.netns.path: ${sb.netnsPath}`,
      reason: 'Conflict',
    };
  }
  // An empty file where our namespace was mounted: a crash while creating it, or an unmount.
  const leftover = !exists && rec?.created === true && rec.netnsPath === sb.netnsPath && isEmptyFile(sb.netnsPath);
  if (!exists && !leftover && existsSync(sb.netnsPath)) {
    return { problem: `${sb.netnsPath} exists and is not a network namespace; remove it or choose another spec.netns.name`, reason: 'Conflict' };
  }
  ctx.ledger.set('sandboxes', sb.key, { netnsPath: sb.netnsPath, created: true });
  await ctx.ledger.commit();
  const steps: Step[] = [];
  if (!exists) {
    steps.push({
      name: `create network namespace ${sb.netnsPath}`,
      ns: undefined,
      ops: [...(leftover ? [{ op: 'netns.del' as const, path: sb.netnsPath }] : []), { op: 'netns.add', path: sb.netnsPath }],
      undo: [{ op: 'netns.del', path: sb.netnsPath }],
    });
  }
  steps.push(...loopbackSteps(sb, { mark: true, lo }));
  applySteps(ctx.dp, steps);
  return { created: !exists };
}

function isEmptyFile(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.size === 0;
  } catch {
    return false;
  }
}

/**
 * The namespace at path is the one we made for key: its loopback carries key's marker, or it is
 * exactly what a crash between creating and marking leaves (the ledger recorded the creation
 * first): nothing in it but an unmarked loopback that is still down.
 */
function ownNamespace(ctx: EngineContext, path: string, key: string): boolean {
  const s = ctx.dp.session(path);
  try {
    const links = s.listLinks();
    const lo = links.find((l) => l.name === 'lo');
    if (lo?.alias === markerOf(key)) return true;
    return links.length === 1 && lo !== undefined && !lo.alias && !lo.up;
  } finally {
    s.close();
  }
}

/** lo up, and (for namespaces we create) our marker on it so we can recognise the namespace later. `lo` as read (undefined: fresh). */
function loopbackSteps(sb: RSandbox, opts: { mark: boolean; lo: { up: boolean; alias: string | undefined } | undefined }): Step[] {
  const { mark, lo } = opts;
  const ops: KernelOp[] = [];
  if (mark && lo?.alias !== markerOf(sb.key)) ops.push({ op: 'link.set', ref: { name: 'lo' }, alias: markerOf(sb.key) });
  if (!lo?.up) ops.push({ op: 'link.set', ref: { name: 'lo' }, up: true });
  return ops.length ? [{ name: `bring up loopback in ${sb.netnsPath}`, ns: sb.netnsPath, ops }] : [];
}

function readLo(ctx: EngineContext, path: string): { up: boolean; alias: string | undefined } | undefined {
  const s = ctx.dp.session(path);
  try {
    const lo = s.getLink('lo');
    return lo ? { up: lo.up, alias: lo.alias } : undefined;
  } finally {
    s.close();
  }
}

async function writeFiles(ctx: EngineContext, key: string, sb: RSandbox): Promise<{ hostname: string; hosts: string; resolv: string; dnsFallback: boolean }> {
  const dir = sandboxFilesDir(ctx.config.stateDir, key);
  const resolv = renderResolvConf(sb.dns, ctx.config.hostResolvConf);
  const files = {
    hostname: [join(dir, SANDBOX_FILES[0]), sb.hostname + '\n'],
    hosts: [join(dir, SANDBOX_FILES[1]), renderHosts(hostsEntries(ctx, key, sb))],
    resolv: [join(dir, SANDBOX_FILES[2]), resolv.text],
  } as const;
  await Promise.all(Object.values(files).map(([path, text]) => writeIfChanged(path, text, ctx.config.dryRun)));
  return { hostname: files.hostname[0], hosts: files.hosts[0], resolv: files.resolv[0], dnsFallback: resolv.fallback };
}

/** Own addresses with hostname and aliases, then aliased neighbours on the same networks, then extraHosts. */
function hostsEntries(ctx: EngineContext, key: string, sb: RSandbox): HostsEntry[] {
  const own: HostsEntry[] = [];
  const peers: HostsEntry[] = [];
  const networks = new Set<string>();
  // The attachment that gives the default route comes first: it is what the hostname resolves to.
  const mine = ctx.store
    .attachmentsOfSandbox(key)
    .map((ak) => ({ ak, a: ctx.store.get(ak)?.object as Attachment | undefined, rec: ctx.ledger.get('attachments', ak) }))
    .sort((x, y) => (y.a?.spec.gatewayPriority ?? 0) - (x.a?.spec.gatewayPriority ?? 0) || (x.ak < y.ak ? -1 : 1));
  for (const { a, rec } of mine) {
    if (!rec?.ipv4 || !a) continue;
    networks.add(a.spec.network);
    own.push({ ip: rec.ipv4.split('/')[0]!, names: [sb.hostname, ...(a.spec.aliases ?? [])] });
  }
  for (const net of [...networks].sort()) {
    // Only aliased attachments appear in other sandboxes' hosts files: walk those, not the network.
    for (const ak of ctx.store.aliasedOfNetwork(net).sort()) {
      const a = ctx.store.get(ak)?.object as Attachment | undefined;
      const rec = ctx.ledger.get('attachments', ak);
      if (!a?.spec.aliases?.length || !rec?.ipv4 || rec.sandbox === key) continue;
      peers.push({ ip: rec.ipv4.split('/')[0]!, names: a.spec.aliases });
    }
  }
  return [...own, ...peers, ...sb.extraHosts.map((h) => ({ ip: h.ip, names: [h.hostname] }))];
}

async function writeIfChanged(path: string, text: string, dryRun: boolean | undefined): Promise<void> {
  if (!dryRun) await writeFile(path, text);
}

/** The files we write, then the folder; a walk only if someone put more in it. */
async function removeFiles(dir: string): Promise<void> {
  forgetDir(dir);
  await Promise.all(SANDBOX_FILES.map((f) => rm(join(dir, f), { force: true })));
  try {
    await rmdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') await rm(dir, { recursive: true, force: true });
  }
}

async function dropNamespace(ctx: EngineContext, key: string): Promise<void> {
  const rec = ctx.ledger.get('sandboxes', key);
  // Only a namespace that still is what we made: a plain file under our netns dir (not a link to
  // another namespace swapped in since) whose loopback carries this sandbox's marker.
  if (rec?.created && ctx.dp.isNetns(rec.netnsPath) && !netnsPathRefusal(ctx, { netnsPath: rec.netnsPath, adopted: false }) && ownNamespace(ctx, rec.netnsPath, key)) {
    applySteps(ctx.dp, [{ name: `delete network namespace ${rec.netnsPath}`, ns: undefined, ops: [{ op: 'netns.del', path: rec.netnsPath }] }]);
  }
  ctx.ledger.delete('sandboxes', key);
  await ctx.ledger.commit();
}

async function teardownSandbox(ctx: EngineContext, key: string): Promise<void> {
  // Deleting the namespace takes its veth ends (and so their host peers) with it: one cheap
  // kernel operation instead of one per attachment. Attachments then release their addresses.
  if (ctx.ledger.get('sandboxes', key)) {
    await dropNamespace(ctx, key);
    for (const a of ctx.ledger.attachmentsOfSandbox(key)) ctx.enqueue(a);
  }
  if (!ctx.config.dryRun) await removeFiles(sandboxFilesDir(ctx.config.stateDir, key));
  await ctx.status.remove(key);
  ctx.onTeardown?.(key);
}
