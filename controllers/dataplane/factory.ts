// The real dataplane and firewall. (Wired to the netlink and nftables implementations.)
import type { Firewall } from './firewall/types.js';
import type { Dataplane, DescribeOp } from './types.js';

export interface KernelParts {
  dp: Dataplane;
  firewall: Firewall;
  describe: DescribeOp;
}

export function createKernelParts(): KernelParts {
  throw new Error('kernel dataplane not wired yet');
}
