// Everything a reconciler needs, passed explicitly so unit tests can build it with fakes.
import type { Dataplane, DescribeOp } from '../dataplane/types.js';
import type { Ipam } from '../ipam/allocator.js';
import type { Ledger } from '../state/ledger.js';
import type { StatusStore } from '../status/store.js';
import type { DesiredStore } from '../store/desired.js';
import type { FirewallSync } from './firewall-sync.js';
import type { TenancyPolicy } from '../../api/v1alpha1/tenancy.js';
import type { MemberSource } from '../overlay/coordinator.js';
import type { DriftHook } from '../agent/drift/tracker.js';

export interface EngineConfig {
  /** Where nodenet mounts the namespaces it creates (default /run/netns). */
  netnsDir: string;
  /** Ledger, status and sandbox files (default /var/lib/nodenet). */
  stateDir: string;
  /** The host resolv.conf that sandboxes inherit by default. */
  hostResolvConf: string;
  nodeName: string;
  /** Plan mode: compute everything, write no file (the kernel side goes to a recording dataplane). */
  dryRun?: boolean;
  /**
   * Directories whose direct children Sandboxes may adopt (spec.netns.path), besides /proc/PID/ns/net;
   * default: netnsDir and DEFAULT_NETNS_DIRS. Must match the validation options of the source.
   */
  adoptDirs?: readonly string[];
  /** --allow-host-netns: PID 1's network namespace may be adopted (never the agent's own). Default false. */
  allowHostNetns?: boolean;
  /** What a Network without spec.allowedNamespaces admits (default: every namespace). */
  tenancy?: TenancyPolicy;
}

export interface EngineContext {
  dp: Dataplane;
  store: DesiredStore;
  ledger: Ledger;
  ipam: Ipam;
  status: StatusStore;
  firewall: FirewallSync;
  config: EngineConfig;
  describe: DescribeOp;
  enqueue(key: string): void;
  now(): string;
  /** A source's complaint about this object's latest declared version, if any. */
  problemFor?(key: string): string | undefined;
  /** Called when a teardown path has removed everything made for key (kernel, files, ledger). */
  onTeardown?(key: string): void;
  /** Kernel work is on hold (kube mode: a watch is down); work outside the queue must wait too. */
  paused?(): boolean;
  /** Members of overlay (vxlan) networks; default: the peers declared in the Network (file mode). */
  overlayMembers?: MemberSource;
  /** Drift bookkeeping (the agent's): a repaired or unrepaired drift shows as Degraded. */
  drift?: DriftHook;
}
