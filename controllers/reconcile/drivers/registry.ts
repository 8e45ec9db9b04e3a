// Which module realizes each driver (bridge: undefined, the original engine path).
import type { Driver } from '../../../api/v1alpha1/types.js';
import { hostDriver, nullDriver } from './shared-netns.js';
import { ipvlanDriver, macvlanDriver } from './sublink.js';
import type { NetworkDriver } from './types.js';
import { vxlanDriver } from './vxlan.js';

export function networkDriverFor(driver: Driver): NetworkDriver | undefined {
  switch (driver) {
    case 'bridge':
      return undefined;
    case 'vxlan':
      return vxlanDriver;
    case 'macvlan':
      return macvlanDriver;
    case 'ipvlan':
      return ipvlanDriver;
    case 'host':
      return hostDriver;
    case 'null':
      return nullDriver;
  }
}
