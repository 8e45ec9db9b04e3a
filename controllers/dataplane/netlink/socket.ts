// A synchronous rtnetlink socket bound in one network namespace: requests with sequence numbers,
// request+ACK, single replies and multi-part dumps. Reads block the thread for one kernel round
// trip (microseconds), which is what lets sessions offer synchronous reads.
import { native } from './native.js';
import {
  NETLINK_CAP_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
} from './constants.js';
import { decodeAck, NetlinkError } from './errors.js';
import { encodeMessage, parseMessages, type NlMsg } from './message.js';

const DUMP_RETRIES = 5;

export class NetlinkSocket {
  private seq: number;
  private closed = false;

  private constructor(readonly fd: number) {
    // Distinct starting points keep replies of different sockets apart in traces.
    this.seq = (Math.floor(Math.random() * 0x7fff) << 16) >>> 0;
  }

  /** Opens a NETLINK_ROUTE socket inside the namespace at ns (the caller's own when undefined). */
  static open(ns?: string): NetlinkSocket {
    const n = native();
    const fd = n.socket(NETLINK_ROUTE, 0, ns ?? null);
    try {
      n.setOpt(fd, NETLINK_GET_STRICT_CHK, 1);
      n.setOpt(fd, NETLINK_CAP_ACK, 1);
    } catch (e) {
      n.close(fd);
      throw e;
    }
    return new NetlinkSocket(fd);
  }

  /** Sends a change and waits for its ACK; throws NetlinkError on a negative ACK. */
  request(type: number, flags: number, parts: readonly Buffer[]): void {
    const seq = this.send(type, flags | NLM_F_REQUEST | NLM_F_ACK, parts);
    this.collect(seq, 'ack');
  }

  /** Sends a GET for one object; undefined when the kernel answers with the given "absent" errno. */
  get(type: number, parts: readonly Buffer[], absent: readonly number[] = []): NlMsg | undefined {
    const seq = this.send(type, NLM_F_REQUEST, parts);
    try {
      return this.collect(seq, 'reply')[0];
    } catch (e) {
      if (e instanceof NetlinkError && absent.includes(e.errno)) return undefined;
      throw e;
    }
  }

  /** Dumps every object matching the request, retrying when the kernel flags the dump inconsistent. */
  dump(type: number, parts: readonly Buffer[]): NlMsg[] {
    for (let attempt = 0; ; attempt++) {
      const seq = this.send(type, NLM_F_REQUEST | NLM_F_DUMP, parts);
      const msgs = this.collect(seq, 'done');
      const interrupted = msgs.some((m) => m.flags & NLM_F_DUMP_INTR);
      if (!interrupted || attempt >= DUMP_RETRIES) return msgs;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    native().close(this.fd);
  }

  private send(type: number, flags: number, parts: readonly Buffer[]): number {
    if (this.closed) throw new Error('netlink: socket is closed');
    this.seq = (this.seq + 1) >>> 0;
    native().send(this.fd, encodeMessage({ type, flags, seq: this.seq }, parts));
    return this.seq;
  }

  /** Reads until the answer to seq is complete; messages for other sequence numbers are stale and dropped. */
  private collect(seq: number, until: 'ack' | 'reply' | 'done'): NlMsg[] {
    const out: NlMsg[] = [];
    for (;;) {
      const got = native().recv(this.fd, true);
      if (!got) continue;
      for (const m of parseMessages(got.data)) {
        if (m.seq !== seq || m.type === NLMSG_NOOP || m.type === NLMSG_OVERRUN) continue;
        if (m.type === NLMSG_ERROR) {
          const ack = decodeAck(m);
          if (ack.errno !== 0) throw new NetlinkError(ack.errno, ack.extack, ack.offset);
          return out;
        }
        if (m.type === NLMSG_DONE) {
          const ack = m.payload.length >= 4 ? decodeAck(m, false) : { errno: 0 };
          if (ack.errno !== 0) throw new NetlinkError(ack.errno, 'extack' in ack ? ack.extack : undefined);
          return out;
        }
        out.push(m);
        if (until === 'reply') return out;
      }
    }
  }
}
