// What the agent reports about one object: its identity, where it came from, which generation
// of its spec was last acted on, and its status. Status writers persist these.
import type { Kind, Origin } from '../../api/v1alpha1/types.js';

export interface StatusRecord {
  kind: Kind;
  namespace?: string;
  name: string;
  /** Generation of the spec this status describes. */
  generation: number;
  /** Hash of the spec at that generation (file mode derives generations from it). */
  specHash?: string;
  origin?: Origin;
  /** The kind's status object (NetworkStatus, SandboxStatus, AttachmentStatus). */
  status: Record<string, unknown>;
  updatedAt: string;
}

/** Persists status records somewhere a user can read them (files, the API's status subresource). */
export interface StatusSink {
  load(): Promise<StatusRecord[]>;
  write(key: string, rec: StatusRecord): Promise<void>;
  remove(key: string, rec: StatusRecord | undefined): Promise<void>;
}
