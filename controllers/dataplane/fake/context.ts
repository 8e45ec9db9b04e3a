// What the fake's op handlers need: the session's namespace, name resolution there, the other
// namespaces (by mount path) and every namespace alive (for cascades across namespaces).
import type { LinkRef } from '../types.js';
import type { FNs } from './state.js';

export interface FakeCtx {
  readonly ns: FNs;
  /** ifindex of ref in ns; throws OpFailure(ENODEV) when absent. */
  resolve(ref: LinkRef): number;
  /** The namespace mounted at path; throws OpFailure(ENOENT) when there is none. */
  nsAt(path: string): FNs;
  world(): Iterable<FNs>;
  /** Namespaces the fake kernel does not support creating devices of (e.g. ipvlan where CONFIG_IPVLAN is off). */
  readonly unsupportedKinds: ReadonlySet<string>;
}
