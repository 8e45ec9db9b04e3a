// Schema of Network (cluster-scoped): driver, bridge options, address pools.
// Each CEL rule names the TS check in semantic-network.ts (or validate-update.ts) that applies
// the same rule in file mode; test/unit/api/v1alpha1/cel-mirror.test.ts proves every rule has one.
import { LIMITS as L } from './limits.js';
import { bool, cel, celExpr, enumStr, int, list, obj, str, stringMap, type Schema } from './schema-builders.js';
import { conditions, ifname, ip, ipv4, mtu, nameRef, observedGeneration, port } from './schema-common.js';
import { RESERVED_IFNAMES_CEL } from './patterns.js';

export const DRIVERS = ['bridge', 'macvlan', 'ipvlan', 'host', 'null', 'vxlan'] as const;

export const BRIDGE_NAME_RESERVED = 'bridge name must not be "lo", "all" or "default", or start with "nnv" (reserved for nodenet veths)';

function pool(family: 4 | 6): Schema {
  const cidr = family === 4 ? 'ipv4Cidr' : 'ipv6Cidr';
  const addr = family === 4 ? 'ipv4' : 'ipv6';
  const example = family === 4 ? '10.88.0.0/24' : 'fd00:88::/64';
  return obj(
    `IPv${family} address pool of the network.`,
    {
      subnet: str(`CIDR of the network, e.g. ${example}; host bits must be zero. Immutable.`, {
        maxLength: L.cidrMax,
        pattern: cidr,
        // TS: validateUpdate, immutableSubnet entry (validate-update.ts)
        rules: [cel('self == oldSelf', 'subnet is immutable: create a new Network for a different subnet')],
      }),
      gateway: str('Gateway address on the bridge; default: the first host address of the subnet.', {
        maxLength: L.ipMax,
        pattern: addr,
      }),
      range: str('Allocation range: a CIDR inside the subnet; default: the whole subnet.', { maxLength: L.cidrMax, pattern: cidr }),
      reserved: list(
        'Addresses inside the subnet that are never handed out.',
        str('A reserved address.', { maxLength: L.ipMax, pattern: addr }),
        { maxItems: L.reservedMax, listType: 'set' }, // TS: Errors.unique (semantic-common.ts)
      ),
    },
    {
      required: ['subnet'],
      rules: [
        // TS: poolGatewayInSubnet (semantic-network.ts)
        celExpr(
          '!has(self.gateway) || !isCIDR(self.subnet) || !isIP(self.gateway) || cidr(self.subnet).containsIP(self.gateway)',
          "self.gateway + ' is outside subnet ' + self.subnet",
          '.gateway',
        ),
        // TS: poolRangeInSubnet (semantic-network.ts)
        celExpr(
          '!has(self.range) || !isCIDR(self.subnet) || !isCIDR(self.range) || cidr(self.subnet).containsCIDR(self.range)',
          "'range ' + self.range + ' is outside subnet ' + self.subnet",
          '.range',
        ),
        // TS: poolReservedInSubnet (semantic-network.ts)
        celExpr(
          '!has(self.reserved) || !isCIDR(self.subnet) || self.reserved.all(r, !isIP(r) || cidr(self.subnet).containsIP(r))',
          "self.reserved.filter(r, isIP(r) && !cidr(self.subnet).containsIP(r))[0] + ' is outside subnet ' + self.subnet",
          '.reserved',
        ),
      ],
    },
  );
}

function bridge(): Schema {
  return obj('Options of the bridge and vxlan drivers.', {
    name: str('Bridge device name (<= 15 bytes). Default: "nn-" + network name, or "nn-" + 7 characters + "-" + 4 hex digits of its SHA-256 when longer. Immutable.', {
      maxLength: L.ifnameMax,
      minLength: 1,
      pattern: 'ifname',
      rules: [
        // TS: bridgeNameAllowed (semantic-network.ts)
        cel(`!(self in ${RESERVED_IFNAMES_CEL}) && !self.startsWith('nnv')`, BRIDGE_NAME_RESERVED),
        // TS: validateUpdate, immutableBridgeName entry (validate-update.ts)
        cel('self == oldSelf', 'bridge.name is immutable: create a new Network for a different bridge name'),
      ],
    }),
    mtu: mtu('MTU of the bridge and of every veth on it (68-65535, >= 1280 with IPv6); default 1500.'),
    enableICC: bool('Sandboxes on this network may talk to each other; default true.'),
    masquerade: bool('Source NAT for traffic leaving the node; default true (always off when internal).'),
    internal: bool('No traffic in or out of the network except between its sandboxes; default false.'),
    isolation: bool('Traffic to and from other isolated networks is dropped; default true.'),
    hostBindingIPv4: ipv4('Default host address for published ports; default 0.0.0.0 (every local address).'),
  });
}

function lowerDevice(kind: 'macvlan' | 'ipvlan', modes: readonly string[]): Schema {
  return obj(
    `Options of the ${kind} driver.`,
    {
      parent: ifname('Host interface the sub-interfaces hang off, e.g. eth0.'),
      mode: enumStr(`${kind} mode: ${modes.join(', ')}; default ${modes[0]}.`, modes),
      mtu: mtu('MTU of the sub-interfaces (68-65535, >= 1280 with IPv6); default: the parent\'s.'),
    },
    { required: ['parent'] },
  );
}

function vxlan(): Schema {
  const peer = obj(
    'Another node of the overlay.',
    {
      node: str('Node name of the peer.', { maxLength: L.subdomainMax, minLength: 1, pattern: 'dnsSubdomain' }),
      address: ip('Underlay (VTEP) address of the peer node.'),
      subnet: str("The peer's slice of the overlay subnet (CIDR of either family); default: the lowest free slice, in node-name order.", { maxLength: L.cidrMax, pattern: 'ipCidr' }),
    },
    { required: ['node', 'address'] },
  );
  return obj(
    'Options of the vxlan (overlay) driver.',
    {
      vni: int('VXLAN network identifier, 1-16777215.', L.vniMin, L.vniMax),
      port: port('UDP port of the overlay; default 4789.'),
      underlayInterface: ifname("Host interface carrying the overlay; it must hold this node's underlay address. Default: the interface that holds it."),
      underlayAddress: ip("This node's underlay (VTEP) address. File mode takes it from this node's entry in peers; when both are set they must agree."),
      mtu: mtu("MTU of the overlay (68-65535, >= 1280 with IPv6); default: the underlay interface's MTU - 50 (- 70 over IPv6)."),
      peers: list('File mode: every member of the overlay, this node included (matched by its node name), declared explicitly.', peer, {
        maxItems: L.peersMax,
        listType: 'map',
        mapKeys: ['node'], // TS: Errors.unique (semantic-common.ts)
      }),
      sliceSize: int(
        "Prefix length of each node's slice of the first subnet (IPv4 if present); default: 8 bits longer than the subnet's, fewer for small subnets so a slice keeps >= 16 addresses.",
        8,
        128,
      ),
    },
    { required: ['vni'] },
  );
}

const v6Mtu = (block: 'bridge' | 'macvlan' | 'ipvlan' | 'vxlan'): ReturnType<typeof celExpr> =>
  // TS: ipv6MtuAtLeast1280 (semantic-network.ts)
  celExpr(
    `!has(self.ipam) || !has(self.ipam.ipv6) || !has(self.${block}) || !has(self.${block}.mtu) || self.${block}.mtu >= ${L.mtuMinIpv6}`,
    `'mtu ' + string(self.${block}.mtu) + ' is below ${L.mtuMinIpv6}, the minimum for IPv6 (spec.ipam.ipv6 is set)'`,
    `.${block}.mtu`,
  );

const optionsGoWithDriver = (block: 'macvlan' | 'ipvlan' | 'vxlan'): ReturnType<typeof cel> =>
  // TS: driverOptionsMatch (semantic-network.ts)
  cel(
    `has(self.${block}) == (has(self.driver) && self.driver == '${block}')`,
    `spec.${block} must be set if and only if driver is ${block}`,
    `.${block}`,
  );

export function networkSpec(): Schema {
  return obj(
    'Desired state of the network.',
    {
      driver: enumStr('How sandboxes are connected: bridge (default), macvlan, ipvlan, host, null or vxlan.', DRIVERS),
      // Keys are checked by nodeSelectorKeys (semantic-network.ts) only: map keys have no maxLength
      // in a CRD, so a CEL matches() over them would blow the API server's cost budget.
      nodeSelector: stringMap(
        'Kube mode: labels a node must carry to realize this network; empty means every node. Keys are label keys like kubernetes.io/hostname.',
        str('Label value.', { maxLength: L.labelValueMax, pattern: 'labelValue' }),
        L.nodeSelectorMax,
      ),
      allowedNamespaces: list(
        'Namespaces whose Attachments may join (exact names); [] admits none; unset admits every namespace unless the agent is configured to deny unlisted ones. Enforced in both modes; a boundary between tenants in kube mode.',
        nameRef('A namespace name.'),
        { maxItems: L.allowedNamespacesMax, listType: 'set' }, // TS: Errors.unique (semantic-common.ts)
      ),
      bridge: bridge(),
      macvlan: lowerDevice('macvlan', ['bridge', 'private', 'vepa', 'passthru']),
      ipvlan: lowerDevice('ipvlan', ['l2', 'l3', 'l3s']),
      vxlan: vxlan(),
      ipam: obj('Address pools. Needed by every driver except host and null.', { ipv4: pool(4), ipv6: pool(6) }),
    },
    {
      rules: [
        optionsGoWithDriver('macvlan'),
        optionsGoWithDriver('ipvlan'),
        optionsGoWithDriver('vxlan'),
        // TS: bridgeOptionsOnlyForBridgeDrivers (semantic-network.ts)
        cel("!has(self.bridge) || !has(self.driver) || self.driver in ['bridge', 'vxlan']", 'spec.bridge applies only to the bridge and vxlan drivers', '.bridge'),
        // TS: ipamForbiddenForHostNull (semantic-network.ts)
        cel("!has(self.ipam) || !has(self.driver) || !(self.driver in ['host', 'null'])", 'drivers host and null take no spec.ipam', '.ipam'),
        // TS: ipamRequired (semantic-network.ts)
        cel(
          "(has(self.driver) && self.driver in ['host', 'null']) || (has(self.ipam) && (has(self.ipam.ipv4) || has(self.ipam.ipv6)))",
          'this driver needs an address pool: set spec.ipam.ipv4 and/or spec.ipam.ipv6',
          '.ipam',
        ),
        // TS: vxlanGatewayPerNode (semantic-network.ts)
        cel(
          "!has(self.driver) || self.driver != 'vxlan' || !has(self.ipam) || ((!has(self.ipam.ipv4) || !has(self.ipam.ipv4.gateway)) && (!has(self.ipam.ipv6) || !has(self.ipam.ipv6.gateway)))",
          'a vxlan network has one gateway per node, the first address of its slice: remove spec.ipam.*.gateway',
          '.ipam',
        ),
        v6Mtu('bridge'),
        v6Mtu('macvlan'),
        v6Mtu('ipvlan'),
        v6Mtu('vxlan'),
      ],
    },
  );
}

/** What one node reports about a network: the file-mode status of the network on that node. */
function networkFacts(): Record<string, Schema> {
  return {
    observedGeneration: observedGeneration(),
    conditions: conditions(),
    bridge: str('Name of the bridge device.', { maxLength: L.ifnameMax }),
    subnets: list('Configured subnets.', str('A subnet (CIDR).', { maxLength: L.cidrMax }), { maxItems: 2 }),
    gateways: list('Gateway addresses on the bridge.', str('A gateway address.', { maxLength: L.ipMax }), { maxItems: 2 }),
    allocated: int('Addresses currently allocated on this node.', 0, 2 ** 31 - 1),
    mtu: int('MTU of the network on this node.', 0, L.mtuMax),
    parent: str('macvlan/ipvlan: the parent interface.', { maxLength: L.ifnameMax }),
    mode: str('macvlan/ipvlan: the mode.', { maxLength: 16 }),
    vxlan: obj('vxlan: this node\'s share of the overlay.', {
      device: str('The VXLAN device.', { maxLength: L.ifnameMax }),
      vni: int('VXLAN network identifier.', L.vniMin, L.vniMax),
      port: port('UDP port.'),
      vtep: str("This node's underlay (VTEP) address.", { maxLength: L.ipMax }),
      underlayInterface: str('The underlay interface.', { maxLength: L.ifnameMax }),
      slices: list("This node's slice of each subnet.", str('A slice (CIDR).', { maxLength: L.cidrMax }), { maxItems: 2 }),
      peers: list(
        'The other members, as this node reaches them.',
        obj('A peer node.', {
          node: str('Node name.', { maxLength: L.subdomainMax }),
          address: str('Underlay (VTEP) address.', { maxLength: L.ipMax }),
          subnets: list('Its slices.', str('A slice (CIDR).', { maxLength: L.cidrMax }), { maxItems: 2 }),
        }),
        { maxItems: L.peersMax },
      ),
    }),
  };
}

export function networkStatus(): Schema {
  const entry = obj(
    "One node's report: written only by that node's agent (read-modify-write with resourceVersion, so no report is lost).",
    { node: str('Name of the reporting node.', { maxLength: L.subdomainMax, minLength: 1 }), ...networkFacts() },
    { required: ['node'] },
  );
  return obj(
    'Observed state of the network. File mode: this node\'s report. Kube mode: one entry per node in nodes, plus a summary (conditions, nodeCount, readyNodes) recomputed from the entries by every writer.',
    {
      ...networkFacts(),
      nodes: list(`Kube mode: per-node reports, keyed by node (at most ${L.statusNodesMax}).`, entry, {
        maxItems: L.statusNodesMax,
        listType: 'map',
        mapKeys: ['node'],
      }),
      nodeCount: int('Kube mode: number of nodes that report this network.', 0, L.statusNodesMax),
      readyNodes: int('Kube mode: number of those whose Ready condition is True.', 0, L.statusNodesMax),
    },
  );
}
