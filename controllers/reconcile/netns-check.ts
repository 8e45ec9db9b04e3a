// The namespace a Sandbox resolves to, re-checked right before the engine uses it (defence in
// depth: validation saw only the text of the path, and the file system may have changed since —
// a symlink swapped in, a bind mount replaced, a PID reused). Sandbox and Attachment reconcilers
// call this before every kernel change inside a sandbox.
import { DEFAULT_NETNS_DIRS } from '../../api/v1alpha1/semantic-sandbox.js';
import type { ResolvedSandbox } from '../../api/v1alpha1/defaults.js';
import { adoptPathProblem, adoptProblem, type AdoptPolicy, type AdoptRefusal } from '../dataplane/netns-guard.js';
import { keyOfMarker, markerOf } from '../model/names.js';
import type { EngineConfig, EngineContext } from './context.js';

export type { AdoptRefusal };

/** Where Sandboxes may adopt namespaces from, and whether PID 1's is allowed: the agent's flags. */
export function adoptPolicy(config: EngineConfig): AdoptPolicy {
  return { dirs: config.adoptDirs ?? [config.netnsDir, ...DEFAULT_NETNS_DIRS], allowHostNetns: config.allowHostNetns === true };
}

/**
 * Why the sandbox's namespace path must not be used now, judged on the file system only.
 * Adopted paths: the full adoption guard. Created paths (under netnsDir): nothing there yet is
 * fine (the sandbox reconciler makes it); whatever is there must pass the same guard, with PID 1's
 * namespace never allowed, since nodenet would mark and change it as its own.
 */
export function netnsPathRefusal(ctx: EngineContext, sb: Pick<ResolvedSandbox, 'netnsPath' | 'adopted'>): AdoptRefusal | undefined {
  const policy = sb.adopted ? adoptPolicy(ctx.config) : { dirs: [ctx.config.netnsDir], allowHostNetns: false };
  const early = adoptPathProblem(sb.netnsPath, policy);
  if (early) return early;
  const info = ctx.dp.inspectNetns(sb.netnsPath, policy.dirs);
  if (!sb.adopted && info.entry === 'missing') return undefined;
  return adoptProblem(sb.netnsPath, info, policy);
}

/**
 * Whether the loopback marker of the namespace fits the sandbox: a namespace nodenet created for
 * another object (its marker names that key) is never used for this one; a namespace nodenet
 * creates must carry this sandbox's marker once it is made.
 */
export function markerRefusal(sb: Pick<ResolvedSandbox, 'key' | 'netnsPath' | 'adopted'>, loAlias: string | undefined): AdoptRefusal | undefined {
  const owner = keyOfMarker(loAlias);
  if (owner !== undefined && owner !== sb.key) {
    return { reason: 'NetnsRefused', message: `${JSON.stringify(sb.netnsPath)} is the network namespace nodenet made for ${owner}` };
  }
  if (!sb.adopted && loAlias !== markerOf(sb.key)) {
    return { reason: 'NetnsRefused', message: `${JSON.stringify(sb.netnsPath)} does not carry this sandbox's marker: nodenet did not make it` };
  }
  return undefined;
}
