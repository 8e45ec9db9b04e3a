// Netlink message framing: struct nlmsghdr {u32 len; u16 type; u16 flags; u32 seq; u32 pid},
// then the family header and attributes, each message padded to 4 bytes.
import { align4 } from './attrs.js';

export const NLMSG_HDRLEN = 16;

export interface NlMsg {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** Everything after the 16-byte header (family header + attributes). */
  payload: Buffer;
}

export function encodeMessage(h: { type: number; flags: number; seq: number; pid?: number }, parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const len = NLMSG_HDRLEN + body.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(h.type, 4);
  out.writeUInt16LE(h.flags, 6);
  out.writeUInt32LE(h.seq >>> 0, 8);
  out.writeUInt32LE((h.pid ?? 0) >>> 0, 12);
  body.copy(out, NLMSG_HDRLEN);
  return out;
}

/** Splits one datagram into messages; a truncated tail is an error (the kernel never sends one). */
export function parseMessages(buf: Buffer): NlMsg[] {
  const out: NlMsg[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) throw new Error(`netlink: malformed message at offset ${off} (len ${len}, have ${buf.length - off})`);
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}
