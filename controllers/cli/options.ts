// Command-line options shared by the subcommands, with defaults and validation.
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const DEFAULTS = {
  stateDir: process.env.NODENET_STATE_DIR ?? '/var/lib/nodenet',
  netnsDir: process.env.NODENET_NETNS_DIR ?? '/run/netns',
  metricsAddr: '127.0.0.1:9753',
  resync: '60s',
  concurrency: '64',
};

export const COMMON_OPTIONS = {
  'state-dir': { type: 'string', default: DEFAULTS.stateDir },
  'netns-dir': { type: 'string', default: DEFAULTS.netnsDir },
  'node-name': { type: 'string', default: process.env.NODE_NAME ?? hostname() },
  'log-level': { type: 'string', default: process.env.NODENET_LOG_LEVEL ?? 'info' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, positionals = false): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: positionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function absoluteDir(flag: string, value: string): string {
  if (value.includes('\0')) throw new UsageError(`--${flag}: invalid path`);
  return isAbsolute(value) ? value : resolve(value);
}

/** "60s", "500ms", "2m", "0" (off) -> milliseconds. */
export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new UsageError(`--${flag}: expected a duration like 500ms, 30s or 5m, got ${JSON.stringify(value)}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

export function parseCount(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}
