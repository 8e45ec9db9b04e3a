// Structured logs: one JSON object per line on stderr, so journald/kubectl logs stay greppable.
export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;
export type Sink = (line: string) => void;

let threshold: Level = (process.env.NODENET_LOG_LEVEL as Level | undefined) ?? 'info';
let sink: Sink = (line) => process.stderr.write(line + '\n');

export function setLogLevel(level: Level): void {
  threshold = level;
}

/** Redirects log lines (tests, the CLI's quiet mode); returns the previous sink. */
export function setLogSink(s: Sink): Sink {
  const prev = sink;
  sink = s;
  return prev;
}

function emit(level: Level, msg: string, fields?: Fields): void {
  if (order[level] < order[threshold]) return;
  const rec: Fields = { ts: new Date().toISOString(), level, msg, ...fields };
  if (fields?.err instanceof Error) rec.err = errorText(fields.err);
  sink(JSON.stringify(rec));
}

export const log = {
  debug: (msg: string, fields?: Fields): void => emit('debug', msg, fields),
  info: (msg: string, fields?: Fields): void => emit('info', msg, fields),
  warn: (msg: string, fields?: Fields): void => emit('warn', msg, fields),
  error: (msg: string, fields?: Fields): void => emit('error', msg, fields),
};

/** The whole cause chain in one line: what we tried, then why it failed. */
export function errorText(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && depth < 8; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.message);
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(': ');
}
