// Decoding of NLMSG_ERROR (ACKs and failures) including extended ACK TLVs, and errno text the way
// iproute2 prints it: "RTNETLINK answers: File exists (extack: ...)".
import { constants } from 'node:os';
import { parseAttrs, readStr, readU32 } from './attrs.js';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS } from './constants.js';
import { NLMSG_HDRLEN, type NlMsg } from './message.js';

const os = constants.errno;
/** errno numbers by name (Linux values). */
export const errno = os;

// glibc's strerror texts for what rtnetlink answers; others fall back to the symbolic name.
const TEXT: Readonly<Record<number, string>> = {
  [os.EPERM]: 'Operation not permitted',
  [os.ENOENT]: 'No such file or directory',
  [os.ESRCH]: 'No such process',
  [os.EBADF]: 'Bad file descriptor',
  [os.EAGAIN]: 'Resource temporarily unavailable',
  [os.ENOMEM]: 'Cannot allocate memory',
  [os.EACCES]: 'Permission denied',
  [os.EBUSY]: 'Device or resource busy',
  [os.EEXIST]: 'File exists',
  [os.ENODEV]: 'No such device',
  [os.ENOTDIR]: 'Not a directory',
  [os.EISDIR]: 'Is a directory',
  [os.EINVAL]: 'Invalid argument',
  [os.ENOSPC]: 'No space left on device',
  [os.ERANGE]: 'Numerical result out of range',
  [os.ELOOP]: 'Too many levels of symbolic links',
  [os.EMSGSIZE]: 'Message too long',
  [os.EPROTONOSUPPORT]: 'Protocol not supported',
  [os.EOPNOTSUPP]: 'Operation not supported',
  [os.EAFNOSUPPORT]: 'Address family not supported by protocol',
  [os.EADDRINUSE]: 'Address already in use',
  [os.EADDRNOTAVAIL]: 'Cannot assign requested address',
  [os.ENETDOWN]: 'Network is down',
  [os.ENETUNREACH]: 'Network is unreachable',
  [os.ENOBUFS]: 'No buffer space available',
  [os.EHOSTUNREACH]: 'No route to host',
  [os.EALREADY]: 'Operation already in progress',
};

export function strerror(no: number): string {
  return TEXT[no] ?? `errno ${no}`;
}

/** A failed netlink request: errno plus the kernel's extended-ACK message when it sent one. */
export class NetlinkError extends Error {
  constructor(
    readonly errno: number,
    readonly extack: string | undefined,
    /** Byte offset of the offending attribute in the request, when the kernel reported it. */
    readonly offset?: number,
  ) {
    super(`RTNETLINK answers: ${strerror(errno)}${extack ? ` (extack: ${extack})` : ''}`);
    this.name = 'NetlinkError';
  }
}

export interface DecodedAck {
  /** 0 for a plain ACK, else a positive errno. */
  errno: number;
  seq: number;
  extack?: string;
  offset?: number;
}

/**
 * Decodes an NLMSG_ERROR (or the error code of an NLMSG_DONE): struct nlmsgerr {int error;
 * struct nlmsghdr msg;} followed by the echoed request (unless capped) and the extack TLVs.
 */
export function decodeAck(m: NlMsg, withEcho = true): DecodedAck {
  if (m.payload.length < 4) throw new Error('netlink: short error message');
  const code = m.payload.readInt32LE(0);
  const out: DecodedAck = { errno: code === 0 ? 0 : -code, seq: m.seq };
  if (!(m.flags & NLM_F_ACK_TLVS)) return out;
  let tlvStart = 4;
  if (withEcho) {
    if (m.payload.length < 4 + NLMSG_HDRLEN) return out;
    const echoedLen = m.payload.readUInt32LE(4);
    tlvStart = 4 + (m.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : echoedLen);
  }
  const tlvs = parseAttrs(m.payload, tlvStart);
  const msg = readStr(tlvs.get(NLMSGERR_ATTR_MSG));
  if (msg) out.extack = msg;
  const offs = readU32(tlvs.get(NLMSGERR_ATTR_OFFS));
  if (offs !== undefined) out.offset = offs;
  return out;
}
