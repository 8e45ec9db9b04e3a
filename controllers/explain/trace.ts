// The record of one explanation: the hops a packet takes, each with what was checked, and the
// verdict with the single rule or setting that decides it.
export type VerdictKind = 'reachable' | 'blocked' | 'unknown';

export interface Hop {
  /** Where: "sandbox web-1", "host", "outside". */
  at: string;
  text: string;
  ok: boolean | undefined;
}

export interface Explanation {
  from: string;
  to: string;
  verdict: VerdictKind;
  /** One sentence: why. */
  reason: string;
  /** The rule, route or setting that decides, e.g. "nodenet rule inet nodenet into_nn-backend handle 42". */
  decidedBy?: string;
  hops: Hop[];
  notes: string[];
}

export class Trace {
  readonly hops: Hop[] = [];
  readonly notes: string[] = [];
  /** The most telling accept so far (a nodenet rule with a meaning), used as the reason when the packet arrives. */
  private accept: { reason: string; ref: string } | undefined;

  constructor(
    private readonly from: string,
    private readonly to: string,
  ) {}

  pass(at: string, text: string): void {
    this.hops.push({ at, text, ok: true });
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  /** Remembers why the firewall let the packet through (the last meaningful accept wins). */
  accepted(reason: string, ref: string): void {
    this.accept = { reason, ref };
  }

  /** Ends blocked; `prefix` says where in the hop text ("forward hook drops it"), the reason stays the bare why. */
  block(at: string, reason: string, decidedBy?: string, prefix?: string): Explanation {
    this.hops.push({ at, text: prefix ? `${prefix}: ${reason}` : reason, ok: false });
    return this.end('blocked', reason, decidedBy);
  }

  unknown(at: string, reason: string, decidedBy?: string): Explanation {
    this.hops.push({ at, text: reason, ok: undefined });
    return this.end('unknown', reason, decidedBy);
  }

  reach(at: string, text: string): Explanation {
    this.hops.push({ at, text, ok: true });
    return this.accept ? this.end('reachable', this.accept.reason, this.accept.ref) : this.end('reachable', text, undefined);
  }

  private end(verdict: Explanation['verdict'], reason: string, decidedBy: string | undefined): Explanation {
    return { from: this.from, to: this.to, verdict, reason, ...(decidedBy ? { decidedBy } : {}), hops: this.hops, notes: this.notes };
  }
}
