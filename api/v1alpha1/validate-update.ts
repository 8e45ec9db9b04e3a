// TS twins of the CEL transition rules (self == oldSelf). Like the API server, a rule applies only
// when the field exists in both the old and the new object; file mode calls this when a file changes.
import type { FieldError, Resource } from './types.js';

export function validateUpdate(oldObj: Resource, newObj: Resource): FieldError[] {
  if (oldObj.kind !== 'Network' || newObj.kind !== 'Network') return [];
  const errors: FieldError[] = [];
  immutableSubnet(errors, 'ipv4', oldObj.spec.ipam?.ipv4?.subnet, newObj.spec.ipam?.ipv4?.subnet);
  immutableSubnet(errors, 'ipv6', oldObj.spec.ipam?.ipv6?.subnet, newObj.spec.ipam?.ipv6?.subnet);
  immutableBridgeName(errors, oldObj.spec.bridge?.name, newObj.spec.bridge?.name);
  return errors;
}

function immutableSubnet(errors: FieldError[], family: 'ipv4' | 'ipv6', before: string | undefined, after: string | undefined): void {
  if (before !== undefined && after !== undefined && before !== after) {
    errors.push({ path: `spec.ipam.${family}.subnet`, message: 'subnet is immutable: create a new Network for a different subnet' });
  }
}

function immutableBridgeName(errors: FieldError[], before: string | undefined, after: string | undefined): void {
  if (before !== undefined && after !== undefined && before !== after) {
    errors.push({ path: 'spec.bridge.name', message: 'bridge.name is immutable: create a new Network for a different bridge name' });
  }
}
