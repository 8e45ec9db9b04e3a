// validateResource on Attachments: ports, addresses, MAC, interface and aliases.
import { test } from 'node:test';
import { attachment, clone } from './fixtures.js';
import { expectErrors, expectValid } from './expect.js';
import type { Attachment, PortMapping } from '../../../../api/v1alpha1/types.js';

const att = (spec: Partial<Attachment['spec']>): Attachment => clone(attachment('web-1-frontend', spec));
const ports = (...p: PortMapping[]): Attachment => att({ ports: p });

test('a minimal attachment and a fully specified one are valid', () => {
  expectValid(att({}));
  expectValid(
    att({
      interface: 'eth1',
      ipv4Address: '10.88.0.10',
      ipv6Address: 'fd00:88::10',
      macAddress: '02:42:0A:58:00:0A',
      aliases: ['web', 'www.example'],
      gatewayPriority: -5,
      ports: [
        { hostPort: 8080, containerPort: 80 },
        { hostPort: 8443, containerPort: 443, protocol: 'tcp', hostIP: '127.0.0.1' },
        { hostPort: 8080, containerPort: 80, protocol: 'udp' },
        { hostPort: 9000, hostPortEnd: 9009, containerPort: 7000, containerPortEnd: 7009 },
      ],
    }),
  );
});

test('required fields and port bounds', () => {
  expectErrors({ ...att({}), spec: { network: 'frontend' } }, [{ path: 'spec.sandbox', message: 'is required' }]);
  expectErrors(ports({ hostPort: 70000, containerPort: 80 }), [{ path: 'spec.ports[0].hostPort', message: 'must be <= 65535' }]);
  expectErrors(ports({ hostPort: 0, containerPort: 80 }), [{ path: 'spec.ports[0].hostPort', message: 'must be >= 1' }]);
  expectErrors(ports({ hostPort: 80, containerPort: 80, protocol: 'tpc' as never }), [
    { path: 'spec.ports[0].protocol', message: 'must be one of tcp, udp, sctp, got "tpc"' },
  ]);
  expectErrors(att({ ports: Array.from({ length: 257 }, (_, i) => ({ hostPort: 1000 + i, containerPort: 80 })) }), [
    { path: 'spec.ports', message: 'must have at most 256 items, got 257' },
  ]);
});

test('port ranges: ordered, equal lengths, at most 1024 wide, 4096 in all', () => {
  expectErrors(ports({ hostPort: 8080, hostPortEnd: 8000, containerPort: 80 }), [
    { path: 'spec.ports[0].hostPortEnd', message: 'hostPortEnd must be >= hostPort' },
    { path: 'spec.ports[0]', message: 'host and container port ranges must have the same length' },
  ]);
  expectErrors(ports({ hostPort: 8080, hostPortEnd: 8080, containerPort: 80, containerPortEnd: 79 }), [
    { path: 'spec.ports[0].containerPortEnd', message: 'containerPortEnd must be >= containerPort' },
    { path: 'spec.ports[0]', message: 'host and container port ranges must have the same length' },
  ]);
  expectErrors(ports({ hostPort: 8080, hostPortEnd: 8090, containerPort: 80, containerPortEnd: 85 }), [
    { path: 'spec.ports[0]', message: 'host and container port ranges must have the same length' },
  ]);
  expectErrors(ports({ hostPort: 1000, hostPortEnd: 2100, containerPort: 1000, containerPortEnd: 2100 }), [
    { path: 'spec.ports[0].hostPortEnd', message: 'a port range may span at most 1024 ports' },
  ]);
  const wide = (i: number): PortMapping => ({ hostPort: 10000 + i * 1000, hostPortEnd: 10999 + i * 1000, containerPort: 10000, containerPortEnd: 10999 });
  expectValid(ports(wide(0), wide(1), wide(2), wide(3)));
  expectErrors(ports(wide(0), wide(1), wide(2), wide(3), wide(4)), [{ path: 'spec.ports', message: 'publishes 5000 ports; at most 4096 per attachment' }]);
});

test('duplicate host ports inside one attachment: same protocol, overlapping ranges and addresses', () => {
  expectErrors(ports({ hostPort: 8080, containerPort: 80 }, { hostPort: 8080, containerPort: 81 }), [
    {
      path: 'spec.ports[1].hostPort',
      message: "host port 8080/tcp on the network's default host address overlaps spec.ports[0] (8080/tcp on the network's default host address)",
    },
  ]);
  expectErrors(ports({ hostPort: 8000, hostPortEnd: 8010, containerPort: 8000, containerPortEnd: 8010, hostIP: '0.0.0.0' }, { hostPort: 8005, containerPort: 80, hostIP: '10.0.0.1' }), [
    { path: 'spec.ports[1].hostPort', message: 'host port 8005/tcp on 10.0.0.1 overlaps spec.ports[0] (8000-8010/tcp on 0.0.0.0)' },
  ]);
  expectErrors(ports({ hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: '::' }, { hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: 'fd00::0001' }), [
    { path: 'spec.ports[1].hostPort', message: 'host port 53/udp on fd00::1 overlaps spec.ports[0] (53/udp on ::)' },
  ]);
  // Different protocol, different specific addresses, or different families never collide.
  expectValid(ports({ hostPort: 53, containerPort: 53, protocol: 'udp' }, { hostPort: 53, containerPort: 53 }));
  expectValid(ports({ hostPort: 80, containerPort: 80, hostIP: '10.0.0.1' }, { hostPort: 80, containerPort: 80, hostIP: '10.0.0.2' }));
  expectValid(ports({ hostPort: 80, containerPort: 80, hostIP: '::' }, { hostPort: 80, containerPort: 80, hostIP: '0.0.0.0' }));
});

test('hostIP must be a host address', () => {
  expectErrors(ports({ hostPort: 80, containerPort: 80, hostIP: '224.0.0.1' }), [
    { path: 'spec.ports[0].hostIP', message: "224.0.0.1 is not a host address: use 0.0.0.0, :: or one of the node's unicast addresses" },
  ]);
  expectErrors(ports({ hostPort: 80, containerPort: 80, hostIP: '1:2::3::4' }), [{ path: 'spec.ports[0].hostIP', message: '1:2::3::4 is not a valid IP address' }]);
});

test('static addresses: unicast only', () => {
  const cases: [string, string][] = [
    ['224.0.0.5', 'a multicast address'],
    ['127.0.0.2', 'a loopback address'],
    ['169.254.1.1', 'a link-local address'],
    ['0.0.0.0', 'the unspecified address'],
    ['255.255.255.255', 'the broadcast address'],
    ['0.1.2.3', 'in 0.0.0.0/8 ("this network")'],
  ];
  for (const [ip, why] of cases) {
    expectErrors(att({ ipv4Address: ip }), [{ path: 'spec.ipv4Address', message: `${ip} is ${why}; use a unicast address inside the network's subnet` }]);
  }
  for (const [ip, why] of [['fe80::1', 'a link-local address'], ['::1', 'a loopback address'], ['ff02::1', 'a multicast address']] as const) {
    expectErrors(att({ ipv6Address: ip }), [{ path: 'spec.ipv6Address', message: `${ip} is ${why}; use a unicast address inside the network's subnet` }]);
  }
  expectErrors(att({ ipv4Address: '10.88.0.010' }), [
    { path: 'spec.ipv4Address', message: 'must be an IPv4 address like 10.88.0.1 (no leading zeros), got "10.88.0.010"' },
  ]);
});

test('MAC: unicast, not all zeros', () => {
  expectErrors(att({ macAddress: '00:00:00:00:00:00' }), [{ path: 'spec.macAddress', message: 'macAddress must not be all zeros' }]);
  expectErrors(att({ macAddress: '01:00:5e:00:00:01' }), [
    {
      path: 'spec.macAddress',
      message: 'must be a unicast MAC address like 02:42:0a:58:00:0a (six hex pairs separated by ":", even first octet), got "01:00:5e:00:00:01"',
    },
  ]);
});

test('interface name, aliases and gateway priority', () => {
  for (const name of ['lo', 'all', 'default']) {
    expectErrors(att({ interface: name }), [
      {
        path: 'spec.interface',
        message: 'interface must not be "lo" (the sandbox\'s loopback device), "all" or "default" (names the kernel reserves for its per-interface settings)',
      },
    ]);
  }
  expectErrors(att({ interface: 'eth0123456789012' }), [{ path: 'spec.interface', message: 'must be at most 15 characters, got 16' }]);
  expectErrors(att({ aliases: ['db', 'cache', 'db'] }), [{ path: 'spec.aliases[2]', message: 'duplicate entry db (also at spec.aliases[0])' }]);
  expectErrors(att({ aliases: ['db_1'] }), [
    {
      path: 'spec.aliases[0]',
      message: 'must be a DNS name: dot-separated labels of letters, digits and "-" (no leading or trailing "-"), labels at most 63 characters, got "db_1"',
    },
  ]);
  expectErrors(att({ aliases: Array.from({ length: 33 }, (_, i) => `a${i}`) }), [{ path: 'spec.aliases', message: 'must have at most 32 items, got 33' }]);
  expectErrors(att({ gatewayPriority: 1001 }), [{ path: 'spec.gatewayPriority', message: 'must be <= 1000' }]);
});
