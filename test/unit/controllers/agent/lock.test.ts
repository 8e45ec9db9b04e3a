import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { AgentLock, LockHeldError } from '../../../../controllers/agent/lock.js';

const name = `\0nodenet-test-lock-${process.pid}`;

test('a second holder is refused with the first one named', async () => {
  const first = await AgentLock.acquire({ stateDir: '/tmp/a', name });
  await assert.rejects(AgentLock.acquire({ stateDir: '/tmp/b', name }), (e: unknown) => {
    assert.ok(e instanceof LockHeldError);
    assert.equal(e.holder?.pid, process.pid);
    assert.equal(e.holder?.stateDir, '/tmp/a');
    assert.match(e.message, /--wait-for-lock/);
    return true;
  });
  await first.release();
  const again = await AgentLock.acquire({ stateDir: '/tmp/b', name });
  await again.release();
});

test('the lock of a SIGKILLed holder is free at once, and a waiter takes over', async () => {
  const lockName = JSON.stringify(`${name}-kill`);
  const child = spawn(process.execPath, [
    '--input-type=module',
    '-e',
    `import { createServer } from 'node:net'; createServer(() => {}).listen(${lockName}, () => console.log('held'));`,
  ]);
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  await assert.rejects(AgentLock.acquire({ stateDir: '/x', name: `${name}-kill` }), LockHeldError);
  const waiting = AgentLock.acquire({ stateDir: '/x', name: `${name}-kill`, waitMs: 5000 });
  child.kill('SIGKILL');
  const lock = await waiting;
  await lock.release();
});
