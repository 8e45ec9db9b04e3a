// Names and markers of the kernel objects nodenet owns: derived, within the kernel's 15-byte
// limit, and recognisable as ours.
import { createHash } from 'node:crypto';

/** Host end of an attachment's veth pair: "nnv" + 12 hex of the attachment key. */
export function hostVethName(attachmentKey: string): string {
  return 'nnv' + createHash('sha256').update(attachmentKey).digest('hex').slice(0, 12);
}

/**
 * A bridge's own MAC, fixed and derived from its network key ("02:4e" + 4 bytes of a hash). A
 * bridge without one takes the lowest MAC of its ports and changes it whenever a port with a
 * lower one joins or that port leaves: sandboxes keep sending to the old gateway MAC, which the
 * bridge then drops, and lose their gateway until their ARP entry expires. Fixed and derived,
 * it also survives the bridge being recreated after drift.
 */
export function bridgeMacOf(networkKey: string): string {
  const h = createHash('sha256').update(`bridge:${networkKey}`).digest('hex');
  return `02:4e:${h.slice(0, 8).match(/../g)!.join(':')}`;
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
