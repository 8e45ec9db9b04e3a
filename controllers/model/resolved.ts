// The engine's resolved view of an object: every default applied, addresses canonical.
import type { PoolSpec } from '../ipam/pool.js';
import type { Driver, ExtraHost, Protocol, SandboxDns } from '../../api/v1alpha1/types.js';

export interface RNetwork {
  key: string;
  name: string;
  driver: Driver;
  bridge: string;
  mtu: number;
  icc: boolean;
  masquerade: boolean;
  internal: boolean;
  isolation: boolean;
  hostBindingIPv4: string;
  pools: PoolSpec[];
}

export interface RSandbox {
  key: string;
  namespace: string;
  name: string;
  netnsPath: string;
  adopted: boolean;
  hostname: string;
  dns?: SandboxDns;
  extraHosts: ExtraHost[];
}

export interface RPort {
  hostIP: string | undefined;
  hostPort: number;
  hostPortEnd: number;
  containerPort: number;
  containerPortEnd: number;
  protocol: Protocol;
}

export interface RAttachment {
  key: string;
  namespace: string;
  name: string;
  sandbox: string;
  sandboxKey: string;
  network: string;
  interface: string;
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  aliases: string[];
  gatewayPriority: number;
  ports: RPort[];
}
