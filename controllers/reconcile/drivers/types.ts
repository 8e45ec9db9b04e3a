// The small interface behind which each non-bridge driver lives. The bridge driver is the
// original code in network.ts/attachment.ts; vxlan reuses its attachment path (a veth on the
// node's bridge), so it implements only the network half.
import type { ResolvedAttachment, ResolvedNetwork, ResolvedSandbox } from '../../../api/v1alpha1/defaults.js';
import type { Result } from '../../queue/workqueue.js';
import type { DesiredObject } from '../../store/desired.js';
import type { EngineContext } from '../context.js';

/** One attachment whose network and sandbox exist, are conflict-free and Ready. */
export interface AttachmentJob {
  desired: DesiredObject;
  a: ResolvedAttachment;
  net: ResolvedNetwork;
  sb: ResolvedSandbox;
  sandboxKey: string;
}

export interface NetworkDriver {
  /** Converges the node-level state of a validated, conflict-free network and writes its status. */
  reconcileNetwork(ctx: EngineContext, desired: DesiredObject, n: ResolvedNetwork): Promise<Result | void>;
  /** Converges one attachment and writes its status; absent: a veth on the network's bridge (attachment.ts). */
  reconcileAttachment?(ctx: EngineContext, job: AttachmentJob): Promise<Result | void>;
}
