// Names and markers of the kernel objects nodenet owns: derived, within the kernel's 15-byte
// limit, and recognisable as ours.
import { createHash } from 'node:crypto';

/** Host end of an attachment's veth pair: "nnv" + 12 hex of the attachment key. */
export function hostVethName(attachmentKey: string): string {
  return 'nnv' + createHash('sha256').update(attachmentKey).digest('hex').slice(0, 12);
}

export const MARKER_PREFIX = 'nodenet:';

/** IFLA_IFALIAS written on every link we create: "nodenet:<key>". */
export function markerOf(key: string): string {
  return MARKER_PREFIX + key;
}

export function isOurMarker(alias: string | undefined): boolean {
  return alias?.startsWith(MARKER_PREFIX) ?? false;
}

export function keyOfMarker(alias: string | undefined): string | undefined {
  return isOurMarker(alias) ? alias!.slice(MARKER_PREFIX.length) : undefined;
}
