// Test controls: a request log with counters, and fault injection (the next N matching requests
// fail with a given code).
import { forCode, type ApiError } from './errors.js';

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  /** get, list, watch, create, update, patch, delete, deletecollection, or "nonresource". */
  verb: string;
  group?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  user: string;
  userAgent: string;
  code: number;
  at: number;
}

export interface FaultSpec {
  /** Matches when all given fields match. path: exact string or RegExp over the URL path. */
  verb?: string;
  method?: string;
  path?: string | RegExp;
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  user?: string;
  /** How many matching requests are affected (default 1). */
  count?: number;
  /** Status code to fail with; without it the request is only delayed. */
  code?: number;
  message?: string;
  /** Hold the request this long before serving (or failing) it: a slow apiserver. */
  delayMs?: number;
}

export interface Fault {
  error?: ApiError;
  delayMs: number;
}

export type RequestFilter = Partial<Pick<RequestRecord, 'verb' | 'method' | 'resource' | 'namespace' | 'name' | 'subresource' | 'user' | 'group'>> & { path?: string | RegExp };

function matches(f: RequestFilter | FaultSpec, r: Omit<RequestRecord, 'code' | 'at'>): boolean {
  if (f.path !== undefined && !(typeof f.path === 'string' ? r.path === f.path : f.path.test(r.path))) return false;
  for (const k of ['verb', 'method', 'resource', 'namespace', 'name', 'subresource', 'user', 'group'] as const) {
    const want = (f as Record<string, unknown>)[k];
    if (want !== undefined && r[k] !== want) return false;
  }
  return true;
}

export class Controls {
  readonly log: RequestRecord[] = [];
  private readonly faults: { spec: FaultSpec; left: number }[] = [];

  record(r: RequestRecord): void {
    this.log.push(r);
  }

  filter(filter: RequestFilter = {}): RequestRecord[] {
    return this.log.filter((r) => matches(filter, r));
  }

  count(filter: RequestFilter = {}): number {
    return this.filter(filter).length;
  }

  inject(spec: FaultSpec): void {
    this.faults.push({ spec, left: spec.count ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The injected fault for this request, if one is armed; consumes one use. */
  takeFault(r: Omit<RequestRecord, 'code' | 'at'>): Fault | undefined {
    const f = this.faults.find((x) => x.left > 0 && matches(x.spec, r));
    if (!f) return undefined;
    f.left--;
    return { delayMs: f.spec.delayMs ?? 0, ...(f.spec.code !== undefined ? { error: forCode(f.spec.code, f.spec.message) } : {}) };
  }
}
