// RTM_{NEW,GET}NSID: the id under which one namespace knows another. Monitors listening to all
// namespaces only hear namespaces that have an id in theirs, and IFLA_LINK_NETNSID refers to it.
import * as a from './attrs.js';
import * as c from './constants.js';

/** struct rtgenmsg is one byte (the family), padded to 4 by the attribute alignment rules. */
function rtgenmsg(): Buffer {
  return Buffer.from([c.AF_UNSPEC, 0, 0, 0]);
}

/** Asks the kernel to allocate an id for the namespace open at fd (NETNSA_NSID -1 = "pick one"). */
export function newNsidBody(fd: number): Buffer[] {
  return [rtgenmsg(), a.attrU32(c.NETNSA_FD, fd), a.attrS32(c.NETNSA_NSID, c.NETNSA_NSID_NOT_ASSIGNED)];
}

export function getNsidBody(fd: number): Buffer[] {
  return [rtgenmsg(), a.attrU32(c.NETNSA_FD, fd)];
}

/** The id in an RTM_NEWNSID reply; undefined when the namespace has none (NOT_ASSIGNED). */
export function decodeNsid(payload: Buffer): number | undefined {
  const id = a.readS32(a.parseAttrs(payload, 4).get(c.NETNSA_NSID));
  return id === undefined || id < 0 ? undefined : id;
}
