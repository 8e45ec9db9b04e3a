// Schema of Attachment (namespaced): a sandbox joined to a network (libnetwork Endpoint + Join).
// Each CEL rule names its TS twin in semantic-attachment.ts.
import { LIMITS as L } from './limits.js';
import { bool, cel, enumStr, int, list, obj, str, type Schema } from './schema-builders.js';
import { conditions, ip, ipv4, ipv6, nameRef, observedGeneration, port } from './schema-common.js';
import { RESERVED_IFNAMES_CEL } from './patterns.js';

export const INTERFACE_RESERVED =
  'interface must not be "lo" (the sandbox\'s loopback device), "all" or "default" (names the kernel reserves for its per-interface settings)';

export const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;

function portMapping(): Schema {
  return obj(
    'A published port (or range): traffic to hostIP:hostPort is forwarded to the sandbox\'s containerPort.',
    {
      hostPort: port('Host port, 1-65535.'),
      hostPortEnd: port('Last host port of a range (inclusive); the container range must have the same length.'),
      containerPort: port('Port inside the sandbox, 1-65535.'),
      containerPortEnd: port('Last container port of a range (inclusive).'),
      protocol: enumStr('tcp (default), udp or sctp.', PROTOCOLS),
      hostIP: ip("Host address to publish on; default: the network's hostBindingIPv4 (0.0.0.0 = every address)."),
    },
    {
      required: ['hostPort', 'containerPort'],
      rules: [
        // TS: hostRangeOrdered (semantic-attachment.ts)
        cel('!has(self.hostPortEnd) || self.hostPortEnd >= self.hostPort', 'hostPortEnd must be >= hostPort', '.hostPortEnd'),
        // TS: containerRangeOrdered (semantic-attachment.ts)
        cel(
          '!has(self.containerPortEnd) || self.containerPortEnd >= self.containerPort',
          'containerPortEnd must be >= containerPort',
          '.containerPortEnd',
        ),
        // TS: rangeLengthsEqual (semantic-attachment.ts)
        cel(
          '(has(self.hostPortEnd) ? self.hostPortEnd - self.hostPort : 0) == (has(self.containerPortEnd) ? self.containerPortEnd - self.containerPort : 0)',
          'host and container port ranges must have the same length',
        ),
        // TS: rangeNotTooLong (semantic-attachment.ts)
        cel(
          `!has(self.hostPortEnd) || self.hostPortEnd - self.hostPort < ${L.portRangeMax}`,
          `a port range may span at most ${L.portRangeMax} ports`,
          '.hostPortEnd',
        ),
      ],
    },
  );
}

export function attachmentSpec(): Schema {
  return obj(
    'Desired state of the attachment.',
    {
      sandbox: nameRef('Name of the Sandbox (same namespace) to attach.'),
      network: nameRef('Name of the Network to join.'),
      interface: str('Interface name inside the sandbox (<= 15 bytes); default eth0.', {
        maxLength: L.ifnameMax,
        minLength: 1,
        pattern: 'ifname',
        // TS: interfaceNotReserved (semantic-attachment.ts)
        rules: [cel(`!(self in ${RESERVED_IFNAMES_CEL})`, INTERFACE_RESERVED)],
      }),
      ipv4Address: ipv4('Static IPv4 address inside the network\'s subnet; default: allocated from the pool.'),
      ipv6Address: ipv6('Static IPv6 address inside the network\'s subnet; default: allocated from the pool.'),
      macAddress: str('Unicast MAC address; default: derived from the IPv4 address like Docker (02:42:a.b.c.d).', {
        maxLength: L.macMax,
        pattern: 'mac',
        // TS: macNotZero (semantic-attachment.ts)
        rules: [cel("self != '00:00:00:00:00:00'", 'macAddress must not be all zeros')],
      }),
      aliases: list(
        "Extra names for this sandbox on the network (written to the hosts files of the network's sandboxes).",
        str('A DNS name.', { maxLength: L.dnsNameMax, pattern: 'hostname' }),
        { maxItems: L.aliasesMax, listType: 'set' }, // TS: Errors.unique (semantic-common.ts)
      ),
      gatewayPriority: int(
        'The attachment with the highest value gives the sandbox its default route (-1000..1000); default 0.',
        L.gatewayPriorityMin,
        L.gatewayPriorityMax,
      ),
      ports: list(`Published ports (at most ${L.portsMax} mappings, ${L.expandedPortsMax} ports in all).`, portMapping(), {
        maxItems: L.portsMax,
      }),
    },
    { required: ['sandbox', 'network'] },
  );
}

function portStatus(): Schema {
  return obj(
    'A port as programmed.',
    {
      hostIP: str('Host address.', { maxLength: L.ipMax }),
      hostPort: port('Host port.'),
      hostPortEnd: port('Last host port of a range.'),
      containerPort: port('Container port.'),
      containerPortEnd: port('Last container port of a range.'),
      protocol: enumStr('Protocol.', PROTOCOLS),
    },
    { required: ['hostIP', 'hostPort', 'containerPort', 'protocol'] },
  );
}

export function attachmentStatus(): Schema {
  return obj('Observed state of the attachment, written by the agent.', {
    observedGeneration: observedGeneration(),
    conditions: conditions(),
    ipv4Address: str('IPv4 address with prefix, e.g. 10.88.0.10/24.', { maxLength: L.cidrMax }),
    ipv6Address: str('IPv6 address with prefix.', { maxLength: L.cidrMax }),
    macAddress: str('MAC address of the sandbox interface.', { maxLength: L.macMax }),
    interface: str('Interface name inside the sandbox.', { maxLength: L.ifnameMax }),
    hostInterface: str('Host side of the veth pair.', { maxLength: L.ifnameMax }),
    gateway: str('Gateway used for the default route.', { maxLength: L.ipMax }),
    defaultRoute: bool('This attachment provides the sandbox\'s default route.'),
    ports: list('Published ports as programmed.', portStatus(), { maxItems: 2 * L.portsMax }),
    parent: str('Parent interface of a macvlan/ipvlan sub-interface.', { maxLength: L.ifnameMax }),
    hostNetwork: bool('Host network: the sandbox shares the node\'s namespace, nodenet made no interface.'),
    loopbackOnly: bool('Null network: the sandbox has loopback only.'),
    nodeName: str('Kube mode: the node whose agent realizes the attachment (the node of its sandbox).', { maxLength: L.subdomainMax }),
  });
}
