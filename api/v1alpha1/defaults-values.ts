// Default values of omitted fields and the store key of an object; a leaf module so the
// resolvers (defaults.ts, defaults-attachment.ts) can share it without import cycles.
import type { Driver, Protocol } from './types.js';

export const DEFAULTS = {
  namespace: 'default',
  driver: 'bridge' as Driver,
  bridgeMtu: 1500,
  vxlanMtu: 1450,
  vxlanPort: 4789,
  macvlanMode: 'bridge',
  ipvlanMode: 'l2',
  hostBindingIPv4: '0.0.0.0',
  interface: 'eth0',
  gatewayPriority: 0,
  protocol: 'tcp' as Protocol,
} as const;

/** Store key: Network/<name> or <Kind>/<namespace>/<name> (namespace defaulted). */
export function keyOf(obj: { kind: string; metadata: { name: string; namespace?: string } }): string {
  if (obj.kind === 'Network') return `Network/${obj.metadata.name}`;
  return `${obj.kind}/${obj.metadata.namespace ?? DEFAULTS.namespace}/${obj.metadata.name}`;
}
