// The adoption guard: whether a path a Sandbox names in spec.netns.path may be used as its
// network namespace, decided at the kernel boundary every time the path is about to be used
// (validation checked the text once; the file system may have changed since). Pure: it judges a
// NetnsInspection the dataplane took, so unit tests can feed it any situation.
//
// A path is adopted only when all of these hold:
// - it is absolute and normalized, without NUL (nsPathProblem), and either /proc/PID/ns/net,
//   /proc/PID/task/TID/ns/net or a direct child of one of the adopt directories;
// - /proc paths are the kernel's magic link; a directory's child is a plain file (a bind mount),
//   never a symlink, FIFO, socket, device or directory;
// - the directory holding it resolves (realpath) to where the configured directory resolves, taken
//   at the same moment (defence in depth: for /proc paths, /proc/PID/ns must be itself);
// - it opens as an nsfs file of type net;
// - that namespace is not the agent's own (container ends and routes would land on the host), and
//   not PID 1's unless the agent runs with --allow-host-netns.
import { dirname } from 'node:path';
import type { NetnsInspection } from './types.js';
import { nsPathProblem } from './validate.js';

const PROC = /^\/proc\/([1-9][0-9]{0,9})(?:\/task\/([1-9][0-9]{0,9}))?\/ns\/net$/;

export interface AdoptPolicy {
  /** Directories whose direct children may be adopted. */
  dirs: readonly string[];
  /** Allow PID 1's namespace (never the agent's own). */
  allowHostNetns: boolean;
}

export interface AdoptRefusal {
  /** NetnsNotFound: nothing (usable) is there yet, worth retrying. NetnsRefused: never acceptable as it is. */
  reason: 'NetnsNotFound' | 'NetnsRefused';
  message: string;
}

export function isProcNetnsPath(path: string): boolean {
  return PROC.test(path);
}

/** Why `path` cannot even be looked at (syntax and location), before touching the file system. */
export function adoptPathProblem(path: string, policy: AdoptPolicy): AdoptRefusal | undefined {
  const syntax = typeof path === 'string' ? nsPathProblem(path) : 'invalid namespace path';
  if (syntax) return { reason: 'NetnsRefused', message: `${syntax}: an adopted namespace must be an absolute, normalized path` };
  if (PROC.test(path) || policy.dirs.includes(dirname(path))) return undefined;
  return {
    reason: 'NetnsRefused',
    message: `${JSON.stringify(path)} is not a namespace path nodenet adopts: use /proc/PID/ns/net, /proc/PID/task/TID/ns/net or a file directly in ${policy.dirs.join(', ')}`,
  };
}

const ENTRY_WORDS: Record<string, string> = {
  directory: 'a directory',
  fifo: 'a FIFO',
  socket: 'a socket',
  device: 'a device file',
  unreadable: 'unreadable',
};

function refused(path: string, why: string): AdoptRefusal {
  return { reason: 'NetnsRefused', message: `${JSON.stringify(path)} ${why}` };
}

/** Why the namespace at `path` must not be adopted, or undefined when it may. */
export function adoptProblem(path: string, info: NetnsInspection, policy: AdoptPolicy): AdoptRefusal | undefined {
  const early = adoptPathProblem(path, policy);
  if (early) return early;
  const proc = PROC.test(path);
  if (info.entry === 'missing') {
    return { reason: 'NetnsNotFound', message: `${JSON.stringify(path)} does not exist${proc ? ' (has the process exited?)' : ''}` };
  }
  if (proc ? info.entry !== 'symlink' : info.entry !== 'file') {
    if (info.entry === 'symlink') {
      return refused(path, 'is a symbolic link: nodenet adopts namespace files themselves (bind mounts), never a link to one');
    }
    return refused(path, `is ${ENTRY_WORDS[info.entry] ?? `a ${info.entry}`}, not a network namespace file`);
  }
  const parent = dirname(path);
  if (proc ? info.parentReal !== parent : !info.dirsReal.some((d, i) => d !== undefined && d === info.parentReal && policy.dirs[i] === parent)) {
    return refused(path, `lies in a directory that resolves to ${JSON.stringify(info.parentReal ?? '(nothing)')}: symlinked directories are not followed`);
  }
  if (info.netnsId === undefined) {
    return { reason: 'NetnsNotFound', message: `${JSON.stringify(path)} is not a network namespace (not an nsfs file of type net)` };
  }
  if (info.agentNetnsId === undefined) return refused(path, "cannot be compared with the agent's own network namespace (/proc/self/ns/net is unreadable)");
  if (info.netnsId === info.agentNetnsId) {
    return refused(path, "is the agent's own network namespace: adopting it would put container interfaces, addresses and routes on the host");
  }
  if (info.netnsId === info.initNetnsId && !policy.allowHostNetns) {
    return refused(path, "is the host's network namespace (the one of PID 1); the agent adopts it only when started with --allow-host-netns");
  }
  return undefined;
}
