// The firewall's public surface for the engine.
export type { Firewall, FwModel, FwNetwork, FwPort, FwSyncResult } from './types.js';
export { createNftFirewall, type NftFirewallOptions } from './firewall.js';
export { FirewallModelError, validateModel, type ValidModel } from './validate.js';
export { COMPAT_CHAIN } from './compat.js';
export { FAMILY as NFT_FAMILY, TABLE as NFT_TABLE } from './ir.js';
