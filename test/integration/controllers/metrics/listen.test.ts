// The agent process with its default --metrics-addr listens on 127.0.0.1 only (checked in the
// kernel's socket table of the scratch namespace, and by connecting from another address of the
// same host); with --metrics-addr 0.0.0.0:PORT it listens everywhere and says so in its log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { scratch, type Scratch } from '../../../helpers/scratch.js';
import { CLI } from '../../../helpers/agent-process.js';
import { runOk } from '../../../../controllers/lib/exec.js';

let s: Scratch;

before(async () => {
  s = await scratch();
  // A second address of this "host", to try the port from something that is not loopback.
  await runOk({ argv: ['ip', 'link', 'add', 'nnt-dummy', 'type', 'dummy'] }).catch(async () => {
    await runOk({ argv: ['ip', 'link', 'add', 'nnt-dummy', 'type', 'bridge'] });
  });
  await runOk({ argv: ['ip', 'addr', 'add', '10.123.0.1/24', 'dev', 'nnt-dummy'] });
  await runOk({ argv: ['ip', 'link', 'set', 'nnt-dummy', 'up'] });
});

after(async () => {
  await s?.cleanup();
});

/** Listening TCP sockets on `port` as "address:port" from /proc/net/tcp{,6} of this namespace. */
function listeners(port: number): string[] {
  const out: string[] = [];
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue; // 0A = LISTEN
      const [addr, p] = f[1]!.split(':');
      if (parseInt(p!, 16) !== port) continue;
      out.push(v6 ? `[${addr}]` : addr!.match(/../g)!.reverse().map((h) => parseInt(h, 16)).join('.'));
    }
  }
  return out.sort();
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

async function withAgent<T>(extra: string[], fn: (lines: string[]) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(`${s.stateDir}-m-`);
  const child = spawn(process.execPath, [CLI, 'run', '--dir', dir, '--state-dir', `${dir}-state`, '--netns-dir', s.netnsDir, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  child.stderr!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  try {
    const end = Date.now() + 10_000;
    while (!lines.some((l) => l.includes('"agent ready"'))) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`agent did not start:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return await fn(lines);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
}

test('by default the agent serves metrics and health on 127.0.0.1:9753 only', async () => {
  await withAgent([], async (lines) => {
    assert.deepEqual(listeners(9753), ['127.0.0.1']);
    assert.ok(await reachable('127.0.0.1', 9753));
    assert.equal(await reachable('10.123.0.1', 9753), false, 'not from another address of the host');
    assert.ok(!lines.some((l) => l.includes('listen beyond loopback')));
  });
});

test('--metrics-addr 0.0.0.0:9754 exposes it, and the agent warns', async () => {
  await withAgent(['--metrics-addr', '0.0.0.0:9754'], async (lines) => {
    assert.deepEqual(listeners(9754), ['0.0.0.0']);
    assert.ok(await reachable('10.123.0.1', 9754));
    assert.ok(lines.some((l) => l.includes('listen beyond loopback')), lines.join('\n'));
  });
});
