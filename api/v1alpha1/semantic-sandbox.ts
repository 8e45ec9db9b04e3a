// Semantic checks of a Sandbox that passed the schema: the TS twins of the CEL rules in
// schema-sandbox.ts, then where an adopted namespace may live and which addresses make sense.
// Whether the path really is a namespace (symlink target, nsfs) is checked by the engine at run time.
import type { Sandbox } from './types.js';
import type { PathSegment } from './paths.js';
import { Errors } from './semantic-common.js';
import { isMulticast, isUnspecified } from '../ip.js';

/** Where file mode and kube mode accept adopted namespaces besides /proc. */
export const DEFAULT_NETNS_DIRS: readonly string[] = ['/run/netns', '/var/run/netns', '/run/docker/netns', '/var/run/docker/netns'];

const NETNS = ['spec', 'netns'] as const;

// ------------------------------------------------------------ CEL twins
function netnsNameXorPath(errs: Errors, s: Sandbox): void {
  const n = s.spec.netns;
  if (n && (n.name !== undefined) === (n.path !== undefined)) {
    errs.add([...NETNS], 'set exactly one of netns.name (create a namespace) and netns.path (adopt one)');
  }
}

function netnsPathNormalized(errs: Errors, path: string): boolean {
  if (path.includes('/../') || path.endsWith('/..') || path.includes('/./') || path.endsWith('/.')) {
    errs.add([...NETNS, 'path'], 'netns.path must be normalized: no "." or ".." segments');
    return false;
  }
  return true;
}

// ------------------------------------------------------------ beyond CEL
const PROC = /^\/proc\/([1-9][0-9]{0,9})(\/task\/[1-9][0-9]{0,9})?\/ns\/net$/;

function netnsPathLocation(errs: Errors, path: string, opts: SandboxCheckOptions): void {
  const dirs = opts.netnsDirs ?? DEFAULT_NETNS_DIRS;
  const proc = PROC.exec(path);
  if (proc) {
    // PID 1 and its threads live in the host's namespace. The agent re-checks every adopted path
    // by namespace identity at run time (controllers/dataplane/netns-guard.ts); this is the early,
    // readable refusal of the obvious spelling.
    if (proc[1] === '1' && !opts.allowHostNetns) {
      errs.add([...NETNS, 'path'], `${path} is the host's own namespace (PID 1); nodenet adopts it only when the agent runs with --allow-host-netns`);
    }
    return;
  }
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash);
  if (slash > 0 && dirs.includes(dir)) return;
  errs.add(
    [...NETNS, 'path'],
    `${path} is not a namespace path nodenet adopts: use /proc/PID/ns/net, /proc/PID/task/TID/ns/net or a file directly in ${dirs.join(', ')}`,
  );
}

function usableIp(errs: Errors, at: PathSegment[], text: string): void {
  const ip = errs.ip(at, text);
  if (ip && (isUnspecified(ip) || isMulticast(ip))) errs.add(at, `${text} is ${isUnspecified(ip) ? 'the unspecified address' : 'a multicast address'}`);
}

export interface SandboxCheckOptions {
  /** Directories whose direct children may be adopted as namespaces (default DEFAULT_NETNS_DIRS). */
  netnsDirs?: readonly string[];
  /** The agent's --allow-host-netns: /proc/1/... paths pass validation (default false). */
  allowHostNetns?: boolean;
}

export function checkSandbox(s: Sandbox, opts: SandboxCheckOptions = {}): Errors {
  const errs = new Errors();
  netnsNameXorPath(errs, s);
  const path = s.spec.netns?.path;
  if (path !== undefined && netnsPathNormalized(errs, path)) netnsPathLocation(errs, path, opts);
  (s.spec.dns?.nameservers ?? []).forEach((ns, i) => usableIp(errs, ['spec', 'dns', 'nameservers', i], ns));
  (s.spec.extraHosts ?? []).forEach((h, i) => usableIp(errs, ['spec', 'extraHosts', i, 'ip'], h.ip));
  return errs;
}
