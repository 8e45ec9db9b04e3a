// Every bound of the API in one place: the schema, the semantic checks and the defaults read
// them from here, so a limit cannot differ between file mode and kube mode.
export const LIMITS = {
  /** metadata.name, namespaces, references: DNS-1123 labels. */
  nameMax: 63,
  subdomainMax: 253,
  ifnameMax: 15,
  netnsNameMax: 64,
  netnsPathMax: 256,
  hostnameMax: 64,
  dnsNameMax: 253,
  ipMax: 39,
  cidrMax: 43,
  macMax: 17,
  pathMax: 4096,
  mtuMin: 68,
  mtuMax: 65535,
  /** RFC 8200: every IPv6 link carries at least 1280 bytes. */
  mtuMinIpv6: 1280,
  portMin: 1,
  portMax: 65535,
  /** One mapping may publish a range of at most this many ports. */
  portRangeMax: 1024,
  /** All mappings of one attachment together, after expanding ranges. */
  expandedPortsMax: 4096,
  portsMax: 256,
  aliasesMax: 32,
  reservedMax: 1024,
  extraHostsMax: 256,
  /** glibc reads at most 3 nameservers (MAXNS). */
  nameserversMax: 3,
  searchMax: 6,
  optionsMax: 16,
  /** Pools bigger than this are refused: a typo like /4 would otherwise swallow the routing table. */
  ipv4PrefixMin: 8,
  /** Room for the network address, a gateway, a host and (IPv4) broadcast. */
  ipv4PrefixMax: 30,
  ipv6PrefixMin: 48,
  ipv6PrefixMax: 126,
  vniMin: 1,
  vniMax: 16777215,
  peersMax: 256,
  gatewayPriorityMin: -1000,
  gatewayPriorityMax: 1000,
  allowedNamespacesMax: 64,
  nodeSelectorMax: 32,
  labelsMax: 64,
  labelValueMax: 63,
  labelKeyMax: 316,
  annotationValueMax: 262144,
  conditionsMax: 16,
  conditionMessageMax: 32768,
  reasonMax: 1024,
  finalizersMax: 32,
  /** Kube mode: nodes reporting one Network (entries of status.nodes); the object must stay well under etcd's 1.5 MiB. */
  statusNodesMax: 1024,
  generationMax: Number.MAX_SAFE_INTEGER,
} as const;
