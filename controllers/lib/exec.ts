// The only module that starts processes. Every command is an argv array (never a shell),
// and the runner is injectable so unit tests can record or fake what would run.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface ExecRequest {
  /** Program and arguments; argv[0] is resolved on PATH, no shell is involved. */
  argv: readonly string[];
  /** Written to the child's stdin, then stdin is closed. */
  input?: string;
  /** Milliseconds before the child is killed; default 30 s. */
  timeoutMs?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  pid: number;
}

export type Runner = (req: ExecRequest) => Promise<ExecResult>;

export class ExecError extends Error {
  constructor(readonly argv: readonly string[], readonly result: ExecResult) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(0, 12).join('\n');
    super(`${argv.join(' ')} exited ${result.code}${detail ? `: ${detail}` : ''}`);
    this.name = 'ExecError';
  }
}

let spawned = 0;
/** Number of processes this process has started, for benchmarks and tests. */
export function spawnCount(): number {
  return spawned;
}

/** pid -> when it exited (0 while running); kept a while so late kernel notifications still match. */
const children = new Map<number, number>();
const CHILD_MEMORY_MS = 30_000;

/** True if pid is (or was, within the last 30 s) a process started here: tells our own nft transactions from others'. */
export function isRecentChild(pid: number): boolean {
  return children.has(pid);
}

function rememberChild(pid: number | undefined): void {
  if (pid === undefined) return;
  const now = Date.now();
  for (const [p, ended] of children) if (ended !== 0 && now - ended > CHILD_MEMORY_MS) children.delete(p);
  children.set(pid, 0);
}

/** The one place a process starts: argv form, never a shell. */
function spawnArgv(argv: readonly string[], stdin: 'pipe' | 'ignore'): ChildProcessByStdio<Writable | null, Readable, Readable> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('exec: empty argv');
  spawned++;
  const child = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'], shell: false }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
  rememberChild(child.pid);
  child.on('close', () => {
    if (child.pid !== undefined) children.set(child.pid, Date.now());
  });
  return child;
}

export const spawnRunner: Runner = (req) =>
  new Promise((resolve, reject) => {
    let child: ChildProcessByStdio<Writable | null, Readable, Readable>;
    try {
      child = spawnArgv(req.argv, 'pipe');
    } catch (err) {
      reject(err);
      return;
    }
    const cmd = req.argv[0];
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), req.timeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`exec ${cmd}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (signal ? `\nkilled by ${signal}` : ''),
        pid: child.pid ?? -1,
      });
    });
    child.stdin!.on('error', () => undefined); // a child that exits early closes its stdin; its exit code tells the story
    child.stdin!.end(req.input ?? '');
  });

let current: Runner = spawnRunner;

/** Replaces the process runner (tests); returns the previous one. */
export function setRunner(r: Runner): Runner {
  const prev = current;
  current = r;
  return prev;
}

/** True while the real process runner is in place (no test has replaced it). */
export function isDefaultRunner(): boolean {
  return current === spawnRunner;
}

/** Runs argv; resolves with the result whatever the exit code. */
export function run(req: ExecRequest): Promise<ExecResult> {
  return current(req);
}

/** Runs argv and fails with an ExecError unless it exits 0. */
export async function runOk(req: ExecRequest): Promise<ExecResult> {
  const res = await current(req);
  if (res.code !== 0) throw new ExecError(req.argv, res);
  return res;
}

export interface RunningProcess {
  pid: number;
  /** Output so far (stdout and stderr interleaved by arrival). */
  output(): string;
  /** Resolves when the output contains text (or rejects when the process exits first / times out). */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Sends a signal and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Sends a signal to a running process (e.g. SIGHUP); no-op once it has exited. */
  signal(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

export interface StartOptions {
  /**
   * Receives the output as it arrives (stdout and stderr). With it the output is not kept
   * (output() stays empty): for processes that log a lot over a long life, like a benchmarked agent.
   */
  onOutput?(text: string): void;
}

/** Starts a long-running process (an agent, a test server); argv only, never a shell. */
export function startProcess(argv: readonly string[], opts: StartOptions = {}): RunningProcess {
  const child = spawnArgv(argv, 'ignore');
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer): void => {
    const text = d.toString('utf8');
    if (opts.onOutput) opts.onOutput(text);
    else out += text;
    for (const w of waiters.splice(0)) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      out += `\n${e.message}`;
      resolve(127);
    });
    child.on('close', (code) => resolve(code));
  });
  return {
    pid: child.pid ?? -1,
    output: () => out,
    exited,
    waitFor: async (text, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      let done = false;
      void exited.then(() => (done = true));
      while (!out.includes(text)) {
        if (done) throw new Error(`${argv.join(' ')} exited before printing ${JSON.stringify(text)}:\n${out.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`${argv.join(' ')}: no ${JSON.stringify(text)} within ${timeoutMs} ms:\n${out.slice(-2000)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
