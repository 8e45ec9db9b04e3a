// One agent per node. The lock is an abstract Unix socket: the abstract socket namespace belongs
// to the network namespace (so "per node", and per scratch namespace in tests), and the kernel
// releases it when the holder dies, even by SIGKILL, so there is never a stale lock to clean up.
// A second agent connects to it to learn who holds it and says so.
import { createConnection, createServer, type Server } from 'node:net';

export const LOCK_NAME = '\0nodenet-agent';

export interface LockHolder {
  pid: number;
  stateDir: string;
  startedAt: string;
}

export class LockHeldError extends Error {
  constructor(readonly holder: LockHolder | undefined) {
    super(
      holder
        ? `another nodenet agent is running in this network namespace (pid ${holder.pid}, state dir ${holder.stateDir}, since ${holder.startedAt}); stop it first, or start with --wait-for-lock to take over when it exits`
        : 'another nodenet agent holds the node lock; stop it first, or start with --wait-for-lock',
    );
    this.name = 'LockHeldError';
  }
}

export class AgentLock {
  private constructor(private readonly server: Server) {}

  /** Takes the node lock, or fails with LockHeldError naming the holder; waitMs > 0 keeps trying that long. */
  static async acquire(opts: { stateDir: string; waitMs?: number; name?: string }): Promise<AgentLock> {
    const name = opts.name ?? LOCK_NAME;
    const me: LockHolder = { pid: process.pid, stateDir: opts.stateDir, startedAt: new Date().toISOString() };
    const deadline = Date.now() + (opts.waitMs ?? 0);
    for (;;) {
      const server = await tryListen(name, me);
      if (server) return new AgentLock(server);
      if (Date.now() >= deadline) throw new LockHeldError(await askHolder(name));
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async release(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function tryListen(name: string, me: LockHolder): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((sock) => sock.end(JSON.stringify(me)));
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
    server.listen(name, () => {
      server.unref();
      resolve(server);
    });
  });
}

function askHolder(name: string): Promise<LockHolder | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = createConnection(name);
    const done = (): void => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as LockHolder);
      } catch {
        resolve(undefined);
      }
    };
    sock.setTimeout(1000, () => sock.destroy());
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('end', done);
    sock.on('error', () => resolve(undefined));
    sock.on('close', done);
  });
}
