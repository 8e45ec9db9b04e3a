// TS twins of the CEL transition rules (self == oldSelf). Like the API server, a rule applies only
// when the field exists in both the old and the new object; file mode calls this when a file changes.
import type { FieldError, Resource } from './types.js';

export function validateUpdate(oldObj: Resource, newObj: Resource): FieldError[] {
  if (oldObj.kind !== 'Network' || newObj.kind !== 'Network') return [];
  const o = oldObj.spec;
  const n = newObj.spec;
  const checks: Immutable[] = [
    // CEL on ipam.ipv4.subnet and ipam.ipv6.subnet: immutableSubnet
    { path: 'spec.ipam.ipv4.subnet', before: o.ipam?.ipv4?.subnet, after: n.ipam?.ipv4?.subnet, message: SUBNET },
    { path: 'spec.ipam.ipv6.subnet', before: o.ipam?.ipv6?.subnet, after: n.ipam?.ipv6?.subnet, message: SUBNET },
    // CEL on bridge.name: immutableBridgeName
    { path: 'spec.bridge.name', before: o.bridge?.name, after: n.bridge?.name, message: BRIDGE },
  ];
  return checks.filter((c) => c.before !== undefined && c.after !== undefined && c.before !== c.after).map(({ path, message }) => ({ path, message }));
}

interface Immutable {
  path: string;
  before: string | undefined;
  after: string | undefined;
  message: string;
}

const SUBNET = 'subnet is immutable: create a new Network for a different subnet';
const BRIDGE = 'bridge.name is immutable: create a new Network for a different bridge name';
