// The real dataplane: rtnetlink for links, addresses, routes and namespaces; nftables (with
// iptables compatibility) for the firewall; ip(8)-like descriptions of every change.
import { describeOp } from './describe.js';
import { createNftFirewall } from './firewall/index.js';
import type { Firewall } from './firewall/types.js';
import { createKernelDataplane } from './kernel.js';
import type { Dataplane, DescribeOp } from './types.js';

export interface KernelParts {
  dp: Dataplane;
  firewall: Firewall;
  describe: DescribeOp;
}

export function createKernelParts(): KernelParts {
  return { dp: createKernelDataplane(), firewall: createNftFirewall(), describe: describeOp };
}
