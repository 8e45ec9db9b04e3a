// A raw REST client for tests that need to see exactly what the server answers (status codes,
// Status bodies, watch event lines) without a Kubernetes client library in between.
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface RawTarget {
  url: string;
  caPem?: string;
  token: string;
}

export interface RawResponse<T = any> {
  code: number;
  body: T;
  headers: IncomingMessage['headers'];
}

export interface RawRequest {
  method?: string;
  path: string;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Overrides the target's token; '' sends no Authorization header. */
  token?: string;
}

const bodyText = (b: unknown): string => (typeof b === 'string' ? b : JSON.stringify(b));

function open(t: RawTarget, r: RawRequest): ReturnType<typeof httpRequest> {
  const u = new URL(r.path, t.url);
  const token = r.token ?? t.token;
  const headers: Record<string, string> = { Accept: r.accept ?? 'application/json', 'User-Agent': 'kubeapi-raw-client/1.0' };
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (r.body !== undefined) {
    headers['Content-Type'] = r.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(bodyText(r.body)));
  }
  const opts = { method: r.method ?? 'GET', headers, ...(t.caPem ? { ca: t.caPem } : {}) };
  return u.protocol === 'https:' ? httpsRequest(u, opts) : httpRequest(u, opts);
}

export function raw<T = any>(t: RawTarget, r: RawRequest): Promise<RawResponse<T>> {
  return new Promise((resolve, reject) => {
    const req = open(t, r);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON (e.g. /healthz): keep the text
        }
        resolve({ code: res.statusCode ?? 0, body: body as T, headers: res.headers });
      });
    });
    req.on('error', reject);
    if (r.body !== undefined) req.write(bodyText(r.body));
    req.end();
  });
}

export interface WatchEvent {
  type: string;
  object: any;
}

export interface RawWatch {
  code: Promise<number>;
  events: WatchEvent[];
  /** Resolves with the next event not yet taken (waits up to timeoutMs). */
  next(timeoutMs?: number): Promise<WatchEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function rawWatch(t: RawTarget, path: string): RawWatch {
  const events: WatchEvent[] = [];
  let taken = 0;
  const waiters: (() => void)[] = [];
  let markEnded!: () => void;
  const ended = new Promise<void>((r) => (markEnded = r));
  let setCode!: (c: number) => void;
  const code = new Promise<number>((r) => (setCode = r));
  const req = open(t, { path });
  req.on('response', (res) => {
    setCode(res.statusCode ?? 0);
    let buf = '';
    res.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) events.push(JSON.parse(line) as WatchEvent);
      }
      waiters.splice(0).forEach((w) => w());
    });
    res.on('end', markEnded);
    res.on('close', markEnded);
    res.on('error', markEnded);
  });
  req.on('error', () => {
    setCode(0);
    markEnded();
  });
  req.end();
  const next = async (timeoutMs = 3000): Promise<WatchEvent> => {
    const deadline = Date.now() + timeoutMs;
    while (taken >= events.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no watch event within ${timeoutMs} ms on ${path} (got ${events.length})`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
    return events[taken++]!;
  };
  return { code, events, next, ended, close: () => req.destroy() };
}
