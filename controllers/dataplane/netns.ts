// Network namespace files: the exact "is this a live network namespace" test and short-lived
// file descriptors for the netlink attributes that take one (IFLA_NET_NS_FD, NETNSA_FD).
import { closeSync, lstatSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { native } from './netlink/native.js';

const CLONE_NEWNET = 0x40000000;

/** True only for a nsfs file of type net: a bind mount of a namespace or /proc/PID/ns/net. */
export function isNetns(path: string): boolean {
  if (path.includes('\0')) return false;
  return native().nsType(path) === CLONE_NEWNET;
}

/** Runs fn with a read-only descriptor of the namespace file, closed afterwards. */
export function withNsFd<T>(path: string, fn: (fd: number) => T): T {
  const fd = openSync(path, 'r');
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** A plain file (what a namespace bind mount looks like), never a symlink that could lead elsewhere. */
function isPlainFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** Live network namespaces mounted directly under dir, as absolute paths, sorted (symlinks are skipped). */
export function listNetnsIn(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.map((e) => join(dir, e)).filter((p) => isPlainFile(p) && isNetns(p)).sort();
}
