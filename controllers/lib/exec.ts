// The only module that starts processes. Every command is an argv array (never a shell),
// and the runner is injectable so unit tests can record or fake what would run.
import { spawn } from 'node:child_process';

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

export const spawnRunner: Runner = (req) =>
  new Promise((resolve, reject) => {
    const [cmd, ...args] = req.argv;
    if (!cmd) {
      reject(new Error('exec: empty argv'));
      return;
    }
    spawned++;
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    rememberChild(child.pid);
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
      if (child.pid !== undefined) children.set(child.pid, Date.now());
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (signal ? `\nkilled by ${signal}` : ''),
        pid: child.pid ?? -1,
      });
    });
    child.stdin.on('error', () => undefined); // a child that exits early closes its stdin; its exit code tells the story
    child.stdin.end(req.input ?? '');
  });

let current: Runner = spawnRunner;

/** Replaces the process runner (tests); returns the previous one. */
export function setRunner(r: Runner): Runner {
  const prev = current;
  current = r;
  return prev;
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
