// The real NetnsInspection of a path a Sandbox wants to adopt. The path itself is lstat'ed, never
// followed, and opened only when it is a plain file (a namespace bind mount) or the magic link of
// /proc/PID/ns/net: a FIFO, a device or a directory is never opened. Type and identity come from
// one descriptor (fstat + NS_GET_NSTYPE through /proc/self/fd), so they describe the same file.
import { closeSync, constants, fstatSync, lstatSync, openSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { dirname } from 'node:path';
import type { NetnsInspection, NsEntryKind } from './types.js';
import { native } from './netlink/native.js';
import { isProcNetnsPath } from './netns-guard.js';

const CLONE_NEWNET = 0x40000000;

function entryOf(st: BigIntStats): NsEntryKind {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'device';
}

function lstatEntry(path: string): NsEntryKind {
  try {
    return entryOf(lstatSync(path, { bigint: true }));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable';
  }
}

function real(path: string): string | undefined {
  try {
    // One realpath(3) call: the JS walk lstat()s every component, which a resync pays twice per object.
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

function idOf(st: BigIntStats): string {
  return `${st.dev}:${st.ino}`;
}

/** Identity of the network namespace at path (followed), or undefined: for the agent's and PID 1's. */
function statId(path: string): string | undefined {
  try {
    return idOf(statSync(path, { bigint: true }));
  } catch {
    return undefined;
  }
}

/** Opens path (following only when told), and names the network namespace it is, if it is one. */
function openNetnsId(path: string, follow: boolean): string | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: should a FIFO appear between lstat and open, open must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (follow ? 0 : constants.O_NOFOLLOW));
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    // nsfs inodes are regular files; anything else cannot be a namespace.
    if (!st.isFile()) return undefined;
    if (native().nsType(`/proc/self/fd/${fd}`) !== CLONE_NEWNET) return undefined;
    return idOf(st);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The identities of the agent's and PID 1's namespaces, as inspectNetnsPath reports them. */
export interface KnownNetnsIds {
  agentNetnsId: string | undefined;
  initNetnsId: string | undefined;
}

export function readKnownNetnsIds(): KnownNetnsIds {
  return { agentNetnsId: statId('/proc/self/ns/net'), initNetnsId: statId('/proc/1/ns/net') };
}

/**
 * `known`: the agent's and PID 1's namespace identities read once for a whole pass (a resync
 * inspects every sandbox path, twice); without it they are read now.
 */
export function inspectNetnsPath(path: string, dirs: readonly string[], known?: KnownNetnsIds): NetnsInspection {
  const entry = path.includes('\0') ? 'unreadable' : lstatEntry(path);
  const proc = isProcNetnsPath(path);
  const openable = entry === 'file' || (entry === 'symlink' && proc);
  // The parent is usually one of dirs (a created sandbox: the netns dir): resolved once, same moment.
  const parent = dirname(path);
  const dirsReal = dirs.map((d) => real(d));
  const i = dirs.indexOf(parent);
  return {
    entry,
    parentReal: entry === 'unreadable' ? undefined : i >= 0 ? dirsReal[i] : real(parent),
    dirsReal,
    netnsId: openable ? openNetnsId(path, proc) : undefined,
    ...(known ?? readKnownNetnsIds()),
  };
}
