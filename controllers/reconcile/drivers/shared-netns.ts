// The host and null drivers make no link at all. host: the sandbox shares the node's own network
// namespace (Docker's --network host), so the Sandbox reconciler gives it no namespace of its own
// and reports the host's; null: the sandbox keeps its own namespace with loopback only (Docker's
// --network none). Either must be the sandbox's only attachment (cross-object validation).
import { statSync } from 'node:fs';
import type { Attachment, Network } from '../../../api/v1alpha1/types.js';
import { resolveNetwork, type ResolvedNetwork } from '../../../api/v1alpha1/defaults.js';
import type { Result } from '../../queue/workqueue.js';
import type { AttachmentRecord } from '../../state/ledger.js';
import type { DesiredObject } from '../../store/desired.js';
import { makeKey } from '../../store/keys.js';
import { detach, notReady } from '../attachment.js';
import type { EngineContext } from '../context.js';
import { report } from '../report.js';
import type { AttachmentJob, NetworkDriver } from './types.js';

/** The agent's own namespace as a path others can open: /proc/1/ns/net when that is it. */
export function hostNetnsPath(): string {
  try {
    const mine = statSync('/proc/self/ns/net');
    const init = statSync('/proc/1/ns/net');
    if (mine.ino === init.ino && mine.dev === init.dev) return '/proc/1/ns/net';
  } catch {
    // not allowed to look at pid 1: fall through to our own pid
  }
  return `/proc/${process.pid}/ns/net`;
}

/** True when one of the sandbox's (conflict-free) attachments is on a host-driver network. */
export function usesHostNetwork(ctx: EngineContext, sandboxKey: string): boolean {
  return ctx.store.attachmentsOfSandbox(sandboxKey).some((k) => {
    if (ctx.store.conflictsOf(k).length) return false;
    const net = ctx.store.get(makeKey('Network', (ctx.store.get(k)?.object as Attachment | undefined)?.spec.network ?? ''));
    return net !== undefined && resolveNetwork(net.object as Network).driver === 'host';
  });
}

async function reconcileNetworkWithoutLinks(ctx: EngineContext, desired: DesiredObject, n: ResolvedNetwork): Promise<Result | void> {
  ctx.ledger.set('networks', n.name, { driver: n.driver, subnets: [] });
  await ctx.ledger.commit();
  await report(ctx, desired, { ready: true, reason: 'Converged', message: '' });
}

async function recordAttachment(ctx: EngineContext, job: AttachmentJob, netnsPath: string): Promise<void> {
  const { a } = job;
  const driver = job.net.driver;
  const prev = ctx.ledger.get('attachments', a.key);
  if (prev && (prev.network !== a.network || prev.driver !== driver || prev.netnsPath !== netnsPath)) await detach(ctx, a.key, { release: false });
  const rec: AttachmentRecord = { network: a.network, sandbox: a.sandboxKey, netnsPath, interface: a.interface, driver };
  ctx.ledger.set('attachments', a.key, rec);
  await ctx.ledger.commit();
}

const unpublished = (a: AttachmentJob['a'], why: string): { degraded?: { reason: string; message: string } } =>
  a.ports.length ? { degraded: { reason: 'PortsNotPublished', message: why } } : {};

async function reconcileHostAttachment(ctx: EngineContext, job: AttachmentJob): Promise<Result | void> {
  const sbStatus = ctx.status.get(job.sandboxKey)?.status;
  if (sbStatus?.hostNetwork !== true) {
    ctx.enqueue(job.sandboxKey);
    await notReady(ctx, job.desired, 'SandboxNotReady', `sandbox ${job.a.sandbox} is moving to the host's network namespace`);
    // The sandbox stays Ready while it moves, so no readiness flip wakes us: look again shortly.
    return { requeueAfterMs: 1000 };
  }
  await recordAttachment(ctx, job, String(sbStatus.netnsPath));
  await report(ctx, job.desired, {
    ready: true,
    reason: 'Converged',
    message: '',
    facts: { hostNetwork: true, ports: [] },
    ...unpublished(job.a, 'on the host network the sandbox binds host ports itself: nothing is published'),
  });
}

async function reconcileNullAttachment(ctx: EngineContext, job: AttachmentJob): Promise<Result | void> {
  if (!ctx.dp.isNetns(job.sb.netnsPath)) {
    ctx.enqueue(job.sandboxKey);
    return notReady(ctx, job.desired, 'SandboxNotReady', `network namespace ${job.sb.netnsPath} is missing; the sandbox is being recreated`);
  }
  await recordAttachment(ctx, job, job.sb.netnsPath);
  await report(ctx, job.desired, {
    ready: true,
    reason: 'Converged',
    message: '',
    facts: { loopbackOnly: true, ports: [] },
    ...unpublished(job.a, 'a sandbox on a null network has loopback only: nothing is published'),
  });
}

export const hostDriver: NetworkDriver = { reconcileNetwork: reconcileNetworkWithoutLinks, reconcileAttachment: reconcileHostAttachment };
export const nullDriver: NetworkDriver = { reconcileNetwork: reconcileNetworkWithoutLinks, reconcileAttachment: reconcileNullAttachment };
