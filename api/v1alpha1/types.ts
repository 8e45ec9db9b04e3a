// nodenet.io/v1alpha1 resource types. The JSON schema in schema.ts is the single source of
// validation (files, CRDs); these types describe the same shapes for the engine.
export const GROUP = 'nodenet.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export type Kind = 'Network' | 'Sandbox' | 'Attachment';
export const KINDS: readonly Kind[] = ['Network', 'Sandbox', 'Attachment'];

export interface ObjectMeta {
  name: string;
  /** Sandbox and Attachment only; file mode defaults it to "default". */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  /** Bumped by every spec change (by the API server, or by the file source in file mode). */
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

// ---------------------------------------------------------------- Network
export type Driver = 'bridge' | 'macvlan' | 'ipvlan' | 'host' | 'null' | 'vxlan';

export interface BridgeOptions {
  /** Bridge device name, <= 15 bytes; default derived from the network name ("nn-" + name, or a hash when too long). */
  name?: string;
  /** MTU of the bridge and of every veth on it; default 1500. */
  mtu?: number;
  /** Sandboxes on this network may talk to each other; default true. */
  enableICC?: boolean;
  /** Source NAT for traffic leaving the node; default true (ignored when internal). */
  masquerade?: boolean;
  /** No traffic in or out of the network except between its sandboxes; default false. */
  internal?: boolean;
  /** Traffic to and from other isolated networks is dropped; default true. */
  isolation?: boolean;
  /** Default host address for published ports; default 0.0.0.0 (every local address). */
  hostBindingIPv4?: string;
}

export interface IpamPool {
  /** CIDR of the network, e.g. 10.88.0.0/24. */
  subnet: string;
  /** Gateway address on the bridge; default the first host address of the subnet. */
  gateway?: string;
  /** Allocation range (CIDR inside the subnet); default the whole subnet. */
  range?: string;
  /** Addresses never handed out. */
  reserved?: string[];
}

export interface IpamSpec {
  ipv4?: IpamPool;
  ipv6?: IpamPool;
}

export interface MacvlanOptions {
  parent: string;
  mode?: 'bridge' | 'private' | 'vepa' | 'passthru';
  mtu?: number;
}

export interface IpvlanOptions {
  parent: string;
  mode?: 'l2' | 'l3' | 'l3s';
  mtu?: number;
}

export interface VxlanPeer {
  node: string;
  /** Underlay (VTEP) address of the peer node. */
  address: string;
  /** The peer's slice of the overlay subnet (CIDR of either family); default: the lowest free slice in node-name order. */
  subnet?: string;
}

export interface VxlanOptions {
  vni: number;
  port?: number;
  underlayInterface?: string;
  underlayAddress?: string;
  mtu?: number;
  /** File mode: every member of the overlay, this node included (matched by its node name). */
  peers?: VxlanPeer[];
  /** Prefix length of each node's slice of the first subnet; default 8 bits longer (fewer for small subnets). */
  sliceSize?: number;
}

export interface NetworkSpec {
  driver?: Driver;
  /** Kube mode: labels a node must carry to realize this network. */
  nodeSelector?: Record<string, string>;
  /** Namespaces whose Attachments may join; [] none; unset: every namespace by default (tenancy.ts; README "Security"). */
  allowedNamespaces?: string[];
  bridge?: BridgeOptions;
  macvlan?: MacvlanOptions;
  ipvlan?: IpvlanOptions;
  vxlan?: VxlanOptions;
  ipam?: IpamSpec;
}

export interface NetworkStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  bridge?: string;
  subnets?: string[];
  gateways?: string[];
  /** Addresses currently allocated on this node. */
  allocated?: number;
  mtu?: number;
  /** macvlan/ipvlan. */
  parent?: string;
  mode?: string;
  /** vxlan: this node's share of the overlay. */
  vxlan?: {
    device: string;
    vni: number;
    port: number;
    vtep: string;
    underlayInterface: string;
    slices: string[];
    peers: { node: string; address: string; subnets: string[] }[];
  };
  /** Kube mode: one report per node (the fields above, plus the node name). */
  nodes?: NetworkNodeStatus[];
  /** Kube mode: how many nodes report, and how many of them are Ready. */
  nodeCount?: number;
  readyNodes?: number;
}

export interface NetworkNodeStatus extends Omit<NetworkStatus, 'nodes' | 'nodeCount' | 'readyNodes'> {
  node: string;
}

export interface Network {
  apiVersion: typeof API_VERSION;
  kind: 'Network';
  metadata: ObjectMeta;
  spec: NetworkSpec;
  status?: NetworkStatus;
}

// ---------------------------------------------------------------- Sandbox
export interface SandboxNetns {
  /** Name of a namespace nodenet creates under its netns dir (default /run/netns). Default: the sandbox name. */
  name?: string;
  /** Adopt an existing namespace (e.g. /proc/PID/ns/net); never deleted by nodenet. */
  path?: string;
}

export interface SandboxDns {
  nameservers?: string[];
  search?: string[];
  options?: string[];
}

export interface ExtraHost {
  hostname: string;
  ip: string;
}

export interface SandboxSpec {
  nodeName?: string;
  netns?: SandboxNetns;
  hostname?: string;
  /** Default: the host's resolv.conf with loopback resolvers removed, as Docker does. */
  dns?: SandboxDns;
  extraHosts?: ExtraHost[];
}

export interface SandboxStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  netnsPath?: string;
  adopted?: boolean;
  hostsFile?: string;
  resolvConf?: string;
  hostnameFile?: string;
  /** On a host network: netnsPath is the node's own namespace. */
  hostNetwork?: boolean;
}

export interface Sandbox {
  apiVersion: typeof API_VERSION;
  kind: 'Sandbox';
  metadata: ObjectMeta;
  spec: SandboxSpec;
  status?: SandboxStatus;
}

// ---------------------------------------------------------------- Attachment
export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface PortMapping {
  hostPort: number;
  /** Last host port of a range (inclusive); the container range has the same length. */
  hostPortEnd?: number;
  containerPort: number;
  containerPortEnd?: number;
  /** Default tcp. */
  protocol?: Protocol;
  /** Default: the network's hostBindingIPv4. */
  hostIP?: string;
}

export interface AttachmentSpec {
  /** Sandbox in the same namespace. */
  sandbox: string;
  network: string;
  /** Interface name inside the sandbox; default eth0. */
  interface?: string;
  ipv4Address?: string;
  ipv6Address?: string;
  /** Default derived from the IPv4 address like Docker (02:42:a.b.c.d). */
  macAddress?: string;
  /** Names for this sandbox on the network (hosts files of the network's sandboxes). */
  aliases?: string[];
  /** The attachment with the highest value gives the sandbox its default route; default 0. */
  gatewayPriority?: number;
  ports?: PortMapping[];
}

export interface PortStatus {
  hostIP: string;
  hostPort: number;
  hostPortEnd?: number;
  containerPort: number;
  containerPortEnd?: number;
  protocol: Protocol;
}

export interface AttachmentStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
  interface?: string;
  hostInterface?: string;
  gateway?: string;
  defaultRoute?: boolean;
  ports?: PortStatus[];
  /** macvlan/ipvlan parent interface. */
  parent?: string;
  /** Host network: no interface of its own. */
  hostNetwork?: boolean;
  /** Null network: loopback only. */
  loopbackOnly?: boolean;
  /** Kube mode: the node that realizes it (the node of its sandbox). */
  nodeName?: string;
}

export interface Attachment {
  apiVersion: typeof API_VERSION;
  kind: 'Attachment';
  metadata: ObjectMeta;
  spec: AttachmentSpec;
  status?: AttachmentStatus;
}

export type Resource = Network | Sandbox | Attachment;

/** Where a validated object came from, for error messages and status. */
export interface Origin {
  /** File path (file mode) or "kube" */
  source: string;
  /** 1-based document index in a multi-document file. */
  doc?: number;
  /** 1-based line of the document start. */
  line?: number;
}

/** A problem with one field of one object, as shown to the user. */
export interface FieldError {
  /** Dotted path, e.g. spec.ipam.ipv4.gateway or spec.ports[1].hostPort. */
  path: string;
  message: string;
  /** 1-based line of the field in its file, when known. */
  line?: number;
}
