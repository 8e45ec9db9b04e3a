// Models shared by the firewall unit tests.
import type { FwModel, FwNetwork, FwPort } from '../../../../../controllers/dataplane/firewall/types.js';

export function network(name: string, subnets: string[], over: Partial<FwNetwork> = {}): FwNetwork {
  return { name, bridge: `nn-${name}`, subnets, internal: false, masquerade: true, icc: true, isolation: true, ...over };
}

export function port(bridge: string, hostPort: number, containerIP: string, over: Partial<FwPort> = {}): FwPort {
  return { owner: `default/${bridge}-${hostPort}`, bridge, hostIP: '0.0.0.0', hostPort, protocol: 'tcp', containerIP, containerPort: 80, ...over };
}

/** The 2-network example of the report: frontend (dual stack, ICC on) and backend (ICC off). */
export function twoNetworks(): FwModel {
  return {
    networks: [
      network('frontend', ['10.88.0.0/24', 'fd00:88::/64']),
      network('backend', ['10.89.0.0/24'], { icc: false }),
    ],
    ports: [
      port('nn-frontend', 8080, '10.88.0.10'),
      port('nn-frontend', 8443, '10.88.0.10', { hostIP: '127.0.0.1', containerPort: 443 }),
      port('nn-frontend', 8080, 'fd00:88::10', { hostIP: '::' }),
      port('nn-backend', 5353, '10.89.0.5', { protocol: 'udp', containerPort: 53 }),
      port('nn-backend', 9000, '10.89.0.5', { protocol: 'sctp', hostIP: '192.0.2.7', containerPort: 9000 }),
    ],
  };
}

/** Flags other than the defaults: internal, no masquerade, not isolated. */
export function mixedFlags(): FwModel {
  return {
    networks: [
      network('vault', ['10.90.0.0/24'], { internal: true, icc: false }),
      network('routed', ['10.91.0.0/24', 'fd00:91::/64'], { masquerade: false, isolation: false }),
      network('plain', ['10.92.0.0/24'], { isolation: false }),
    ],
    ports: [
      port('nn-routed', 80, '10.91.0.2'),
      port('nn-vault', 81, '10.90.0.2'),
    ],
  };
}
