// The contract between the engine and the kernel. Reads return what is there; every change is
// a KernelOp applied through a session, so one path serves applying, planning (record instead of
// apply), counting (idempotence checks) and auditing.
export type Family = 4 | 6;

/** A link, as the kernel reports it in one namespace. */
export interface Link {
  index: number;
  name: string;
  /** IFLA_INFO_KIND: bridge, veth, macvlan, ipvlan, vxlan, dummy...; undefined for lo and plain devices. */
  kind: string | undefined;
  mtu: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** Carrier/lower up (IFF_LOWER_UP). */
  lowerUp: boolean;
  /** Lowercase aa:bb:cc:dd:ee:ff, when the link has one. */
  mac: string | undefined;
  /** ifindex of the bridge this link is enslaved to. */
  master: number | undefined;
  /** IFLA_IFALIAS: our ownership marker ("nodenet:<kind>/<key>"). */
  alias: string | undefined;
  /** IFLA_LINK: veth peer index / macvlan parent index (in the peer's namespace when linkNetnsId is set). */
  link: number | undefined;
  /** IFLA_LINK_NETNSID: the peer's namespace id as seen from this namespace. */
  linkNetnsId: number | undefined;
  /** vxlan details when kind is vxlan. */
  vxlan?: { vni: number; port?: number; local?: string; dev?: number; learning?: boolean };
  /** macvlan/ipvlan mode when kind is macvlan/ipvlan. */
  mode?: string;
}

export interface BridgePort {
  index: number;
  hairpin: boolean;
}

export interface Addr {
  index: number;
  family: Family;
  address: string;
  prefixLen: number;
  /** IFA_F_* flags (tentative, dadfailed, nodad...). */
  flags: number;
  scope: number;
}

export interface Route {
  family: Family;
  /** "default" or a CIDR. */
  dst: string;
  gateway?: string;
  oif?: number;
  table: number;
  /** RTPROT_*: 2 kernel, 3 boot, 4 static. */
  protocol: number;
  scope: number;
  type: number;
  metric?: number;
  /** Preferred source address. */
  prefsrc?: string;
}

export interface Neigh {
  index: number;
  family: Family | 7; // 7 = AF_BRIDGE (fdb)
  dst?: string;
  mac?: string;
  state: number;
  flags: number;
}

/** Names a link by index or name (name is resolved in the op's namespace when applied). */
export type LinkRef = { index: number } | { name: string };

export type LinkSpec =
  | { kind: 'bridge'; name: string; mtu?: number; alias?: string; mac?: string }
  | { kind: 'dummy'; name: string; mtu?: number; alias?: string; mac?: string }
  | {
      kind: 'veth';
      name: string;
      mtu?: number;
      alias?: string;
      mac?: string;
      /** The peer is created directly in the namespace at netns (path) under its final name. */
      peer: { name: string; netns?: string; mac?: string; mtu?: number; alias?: string };
    }
  | { kind: 'macvlan'; name: string; parent: LinkRef; mode: string; netns?: string; mtu?: number; mac?: string; alias?: string }
  | { kind: 'ipvlan'; name: string; parent: LinkRef; mode: string; netns?: string; mtu?: number; alias?: string }
  | {
      kind: 'vxlan';
      name: string;
      vni: number;
      port: number;
      local?: string;
      dev?: LinkRef;
      learning?: boolean;
      mtu?: number;
      alias?: string;
      mac?: string;
    };

export type KernelOp =
  | { op: 'netns.add'; path: string }
  | {
      op: 'netns.del';
      path: string;
      /**
       * Also delete the namespace's veth/macvlan links first, so their peers in other namespaces
       * are gone when the op returns (even if something still holds the namespace). Costs one
       * kernel grace period per link (~15 ms); without it the kernel destroys them in batches
       * once the last reference to the namespace goes, as after `ip netns del`.
       */
      flush?: boolean;
    }
  | { op: 'link.add'; link: LinkSpec }
  | {
      op: 'link.set';
      ref: LinkRef;
      up?: boolean;
      mtu?: number;
      /** Enslave to this bridge, or null to release. */
      master?: LinkRef | null;
      alias?: string;
      mac?: string;
      /** New name (with netns: the name in the target namespace; applied after the move). */
      name?: string;
      /** Move into the namespace at this path. */
      netns?: string;
    }
  | { op: 'link.del'; ref: LinkRef }
  | { op: 'brport.set'; ref: LinkRef; hairpin: boolean }
  | { op: 'addr.add'; ref: LinkRef; family: Family; address: string; prefixLen: number; noDad?: boolean }
  | { op: 'addr.del'; ref: LinkRef; family: Family; address: string; prefixLen: number }
  | {
      op: 'route.replace' | 'route.del';
      family: Family;
      dst: string;
      gateway?: string;
      dev?: LinkRef;
      table?: number;
      metric?: number;
      scope?: number;
      /** "onlink": the gateway is reachable on dev even if no subnet covers it (vxlan peers). */
      onlink?: boolean;
      prefsrc?: string;
    }
  | { op: 'neigh.replace' | 'neigh.del'; ref: LinkRef; family: Family; dst: string; mac: string }
  | { op: 'fdb.append' | 'fdb.del'; ref: LinkRef; mac: string; dst: string }
  | { op: 'sysctl.set'; key: string; value: string };

/** Raised when a kernel op fails; message names the op (ip-like) and the namespace. */
export class KernelError extends Error {
  constructor(
    readonly op: KernelOp,
    readonly ns: string | undefined,
    readonly errno: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KernelError';
  }
}

/** Raised when a session is opened on a path that is not a live network namespace. */
export class NetnsMissingError extends Error {
  constructor(readonly path: string, options?: { cause?: unknown }) {
    super(`network namespace ${path} does not exist`, options);
    this.name = 'NetnsMissingError';
  }
}

/** One namespace, opened for a reconcile: synchronous reads and batched changes. */
export interface NetnsSession {
  /** Namespace path; undefined means the agent's own namespace. */
  readonly ns: string | undefined;
  getLink(name: string): Link | undefined;
  getLinkByIndex(index: number): Link | undefined;
  listLinks(): Link[];
  getBridgePort(index: number): BridgePort | undefined;
  listAddrs(filter?: { index?: number; family?: Family }): Addr[];
  /** Routes of one table (main, 254, when table is not given), of one family or (family omitted) both, IPv4 first. */
  listRoutes(filter: { family?: Family; table?: number }): Route[];
  listNeighs(filter: { index?: number; family: Family | 7 }): Neigh[];
  /** key like "net/ipv4/ip_forward" or "net/ipv4/conf/nn-a/route_localnet"; undefined if absent. */
  readSysctl(key: string): string | undefined;
  /**
   * Applies ops in order. "Already exists" for addr.add/neigh/fdb and "not found" for every *.del
   * count as success. Throws KernelError at the first failure; earlier ops stay applied.
   */
  apply(ops: readonly KernelOp[]): void;
  close(): void;
}

export interface OpEvent {
  ns: string | undefined;
  op: KernelOp;
  ok: boolean;
  error?: string;
}

/** What lstat says about the last component of a path. */
export type NsEntryKind = 'missing' | 'file' | 'symlink' | 'directory' | 'fifo' | 'socket' | 'device' | 'unreadable';

/**
 * A namespace path as the adoption guard (netns-guard.ts) needs to see it, read at one moment.
 * Identities are "dev:ino" of the nsfs inode: equal identities are the same namespace.
 */
export interface NetnsInspection {
  /** lstat of the path itself; /proc/PID/ns/net is a "symlink" (the kernel's magic link). */
  entry: NsEntryKind;
  /** realpath of the directory holding the path; undefined when it does not resolve. */
  parentReal: string | undefined;
  /** realpath of each directory passed in, same order; undefined for one that does not resolve. */
  dirsReal: (string | undefined)[];
  /** The network namespace the path opens (through one descriptor, checked with NS_GET_NSTYPE); undefined when none. */
  netnsId: string | undefined;
  /** The agent's own network namespace (/proc/self/ns/net). */
  agentNetnsId: string | undefined;
  /** PID 1's network namespace (the host's, unless the agent has its own PID namespace); undefined when unreadable. */
  initNetnsId: string | undefined;
}

export interface Dataplane {
  /** A session in the agent's namespace (ns undefined) or in the namespace mounted at path. */
  session(ns?: string): NetnsSession;
  /** True if path is a live network namespace (a bind mount of nsfs or a /proc ns file). */
  isNetns(path: string): boolean;
  /**
   * Looks at a path a Sandbox wants to adopt without following symlinks (except the magic link of
   * a /proc/PID/ns/net path), for the adoption guard; `dirs` are resolved alongside.
   */
  inspectNetns(path: string, dirs: readonly string[]): NetnsInspection;
  /** Makes dir a shared mount point for namespace bind mounts (like ip netns does for /run/netns). */
  prepareNetnsDir(dir: string): void;
  /** Paths of the live network namespaces mounted directly under dir (none if dir is absent). */
  listNetns(dir: string): string[];
  /** Subscribes to every change applied (audit log, metrics, op counting); returns unsubscribe. */
  onOp(listener: (ev: OpEvent) => void): () => void;
  /**
   * Optional: a dataplane for one pass over every object (a resync), which may answer reads of
   * the agent's namespace from one listing until the first change made there; end() releases it.
   */
  pass?(): { dp: Dataplane; end(): void; stale(link?: { index: number; name?: string }): void };
}

/** Human-readable, ip(8)-like text of an op, for plans, logs and errors. */
export type DescribeOp = (op: KernelOp, ns?: string) => string;
