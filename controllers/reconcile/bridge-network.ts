// The bridge driver's view of a resolved network: bridge name and MTU are always set.
import type { ResolvedNetwork } from '../../api/v1alpha1/defaults.js';

/** What the bridge driver needs of a resolved network (bridge name and MTU always set). */
export type BridgeNetwork = ResolvedNetwork & { bridgeName: string; mtu: number };

export function asBridgeNetwork(n: ResolvedNetwork): BridgeNetwork | undefined {
  return n.driver === 'bridge' && n.bridgeName !== undefined && n.mtu !== undefined ? (n as BridgeNetwork) : undefined;
}

