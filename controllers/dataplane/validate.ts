// Checks every name and value of a KernelOp before it reaches the kernel (or the fake): both
// dataplanes call this first, so a bad op fails the same way (EINVAL) in tests and in production.
import { isAbsolute, normalize } from 'node:path';
import { parseCidr, parseIp } from '../../api/ip.js';
import type { KernelOp, LinkRef, LinkSpec } from './types.js';
import { IPVLAN_MODES, MACVLAN_MODES } from './netlink/constants.js';

const IFNAMSIZ = 16;
/** IFALIASZ is 256 including the terminating NUL. */
const MAX_ALIAS = 255;

/**
 * The kernel's dev_valid_name() (1..15 bytes, not "." or "..", no "/", ":" or whitespace), the
 * names it refuses at registration ("all", "default": they would alias the conf/all and
 * conf/default sysctl directories, which our sysctl keys are built from), and no "%": the kernel
 * would take "eth%d" as a pattern and pick a name we did not ask for.
 */
export function ifNameProblem(name: string): string | undefined {
  if (typeof name !== 'string') return `invalid interface name ${String(name)}`;
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes >= IFNAMSIZ) return `interface name ${JSON.stringify(name)} must be 1-${IFNAMSIZ - 1} bytes`;
  if (name === '.' || name === '..' || name === 'all' || name === 'default' || /[/:%\s\0]/.test(name)) return `invalid interface name ${JSON.stringify(name)}`;
  return undefined;
}

export function macProblem(mac: string): string | undefined {
  return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac) ? undefined : `invalid MAC address ${JSON.stringify(mac)}`;
}

/** Namespace paths are absolute, normalized and free of NUL (they become syscall arguments). */
export function nsPathProblem(path: string): string | undefined {
  if (!isAbsolute(path) || normalize(path) !== path || path.endsWith('/') || path.includes('\0') || path.length > 4000) return `invalid namespace path ${JSON.stringify(path)}`;
  return undefined;
}

/** Only per-namespace networking knobs: "net/..." path segments, no traversal. */
export function sysctlKeyProblem(key: string): string | undefined {
  const segs = key.split('/');
  const ok = segs[0] === 'net' && segs.length >= 2 && segs.every((s) => s !== '' && s !== '.' && s !== '..' && !/[\s\0]/.test(s));
  return ok && key.length < 512 ? undefined : `invalid sysctl key ${JSON.stringify(key)} (expected net/...)`;
}

function intProblem(what: string, v: number | undefined, min: number, max: number): string | undefined {
  if (v === undefined || (Number.isInteger(v) && v >= min && v <= max)) return undefined;
  return `${what} ${v} out of range ${min}-${max}`;
}

function refProblem(ref: LinkRef): string | undefined {
  if ('index' in ref) return intProblem('ifindex', ref.index, 1, 0x7fffffff);
  return ifNameProblem(ref.name);
}

function aliasProblem(alias: string | undefined): string | undefined {
  if (alias === undefined) return undefined;
  return Buffer.byteLength(alias, 'utf8') > MAX_ALIAS || alias.includes('\0') ? `alias longer than ${MAX_ALIAS} bytes` : undefined;
}

function ipProblem(text: string | undefined, family?: 4 | 6): string | undefined {
  if (text === undefined) return undefined;
  const ip = parseIp(text);
  return ip && (family === undefined || ip.family === family) ? undefined : `invalid IPv${family ?? ''} address ${JSON.stringify(text)}`;
}

function first(...problems: (string | undefined)[]): string | undefined {
  return problems.find((p) => p !== undefined);
}

function specProblem(l: LinkSpec): string | undefined {
  const common = first(ifNameProblem(l.name), intProblem('mtu', l.mtu, 1, 0x7fffffff), aliasProblem(l.alias), 'mac' in l && l.mac ? macProblem(l.mac) : undefined);
  if (common) return common;
  switch (l.kind) {
    case 'bridge':
    case 'dummy':
      return undefined;
    case 'veth':
      return first(
        ifNameProblem(l.peer.name),
        l.peer.netns !== undefined ? nsPathProblem(l.peer.netns) : undefined,
        l.peer.mac ? macProblem(l.peer.mac) : undefined,
        intProblem('peer mtu', l.peer.mtu, 1, 0x7fffffff),
        aliasProblem(l.peer.alias),
      );
    case 'macvlan':
    case 'ipvlan': {
      const modes = l.kind === 'macvlan' ? MACVLAN_MODES : IPVLAN_MODES;
      if (!Object.hasOwn(modes, l.mode)) return `unknown ${l.kind} mode ${JSON.stringify(l.mode)}`;
      return first(refProblem(l.parent), l.netns !== undefined ? nsPathProblem(l.netns) : undefined);
    }
    case 'vxlan':
      return first(intProblem('vni', l.vni, 0, 0xffffff), intProblem('port', l.port, 1, 65535), ipProblem(l.local), l.dev ? refProblem(l.dev) : undefined);
  }
}

function routeProblem(op: Extract<KernelOp, { op: 'route.replace' | 'route.del' }>): string | undefined {
  if (op.dst !== 'default') {
    const c = parseCidr(op.dst);
    if (!c || c.family !== op.family) return `invalid IPv${op.family} destination ${JSON.stringify(op.dst)} (CIDR with host bits clear, or "default")`;
  }
  if (op.op === 'route.replace' && op.gateway === undefined && op.dev === undefined) return 'route needs a gateway or a device';
  if (op.onlink && (op.dev === undefined || op.gateway === undefined)) return 'onlink needs a gateway and a device';
  return first(
    ipProblem(op.gateway, op.family),
    ipProblem(op.prefsrc, op.family),
    op.dev ? refProblem(op.dev) : undefined,
    intProblem('table', op.table, 1, 0xffffffff),
    intProblem('metric', op.metric, 0, 0xffffffff),
    intProblem('scope', op.scope, 0, 255),
  );
}

/** What is wrong with op, or undefined when it may go to the kernel. */
export function opProblem(op: KernelOp): string | undefined {
  switch (op.op) {
    case 'netns.add':
    case 'netns.del':
      return nsPathProblem(op.path);
    case 'link.add':
      return specProblem(op.link);
    case 'link.set':
      // After a move the kernel resolves the master index in the target namespace, not ours.
      if (op.netns !== undefined && op.master) return 'master cannot be set in the same op as a namespace move';
      return first(
        refProblem(op.ref),
        op.master ? refProblem(op.master) : undefined,
        op.name !== undefined ? ifNameProblem(op.name) : undefined,
        op.mac !== undefined ? macProblem(op.mac) : undefined,
        op.netns !== undefined ? nsPathProblem(op.netns) : undefined,
        intProblem('mtu', op.mtu, 1, 0x7fffffff),
        aliasProblem(op.alias),
      );
    case 'link.del':
    case 'brport.set':
      return refProblem(op.ref);
    case 'addr.add':
    case 'addr.del':
      return first(refProblem(op.ref), ipProblem(op.address, op.family), intProblem('prefix length', op.prefixLen, 0, op.family === 4 ? 32 : 128));
    case 'route.replace':
    case 'route.del':
      return routeProblem(op);
    case 'neigh.replace':
    case 'neigh.del':
      return first(refProblem(op.ref), ipProblem(op.dst, op.family), macProblem(op.mac));
    case 'fdb.append':
    case 'fdb.del':
      return first(refProblem(op.ref), macProblem(op.mac), ipProblem(op.dst));
    case 'sysctl.set':
      return first(sysctlKeyProblem(op.key), /^[\x20-\x7e]{0,1024}$/.test(op.value) ? undefined : `invalid sysctl value for ${op.key}`);
    default:
      // Ops arrive from plans and YAML-fed code too: an unknown kind must not pass as a no-op.
      return `unknown op ${JSON.stringify((op as { op?: unknown }).op)}`;
  }
}
