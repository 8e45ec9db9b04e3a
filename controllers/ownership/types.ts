// What an object's status lists as the kernel objects it owns on this node ("owned"). Each entry
// names the object the way a person finds it (ip link / ip addr / ip route / nft list), with the
// ifindex so a re-created device is told apart from the one that was reported.
export interface OwnedLink {
  name: string;
  ifindex: number;
  /** Namespace path; absent for the agent's (host) namespace. */
  netns?: string;
  kind?: string;
  /** Bridge the link is a port of. */
  master?: string;
  /** Bridge-port hairpin mode we set (published ports reached from the same sandbox). */
  hairpin?: boolean;
}

export interface OwnedAddress {
  /** Address with prefix length, e.g. 10.88.0.2/24. */
  address: string;
  dev: string;
  netns?: string;
}

export interface OwnedRoute {
  family: 4 | 6;
  dst: string;
  via?: string;
  dev: string;
  netns?: string;
}

export interface OwnedSysctl {
  key: string;
  value: string;
  /** A node-wide setting other networks need too: never reverted when this object goes. */
  shared?: boolean;
}

export interface OwnedNftRule {
  chain: string;
  /** The rule's comment: "nodenet:" + digest of its text (stable across restarts). */
  id: string;
}

export interface OwnedNftElement {
  set: string;
  /** Element key as nft prints it, e.g. `tcp . 8080` or `"nn-frontend"`. */
  key: string;
}

export interface OwnedNftables {
  /** "inet nodenet". */
  table: string;
  sets?: string[];
  chains?: string[];
  rules?: OwnedNftRule[];
  elements?: OwnedNftElement[];
}

export interface OwnedIptables {
  binary: 'iptables' | 'ip6tables';
  table: 'filter';
  chain: string;
  /** Rules of the chain plus the jump into it, as `iptables -S` prints them. */
  rules: string[];
}

export interface OwnedObjects {
  netns?: { path: string; created: boolean };
  links?: OwnedLink[];
  addresses?: OwnedAddress[];
  routes?: OwnedRoute[];
  sysctls?: OwnedSysctl[];
  nftables?: OwnedNftables;
  iptables?: OwnedIptables[];
  files?: string[];
}
