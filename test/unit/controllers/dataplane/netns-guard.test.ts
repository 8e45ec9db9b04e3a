// The adoption guard: pure decisions over inspections, and the real inspection of files that are
// not namespaces (regular file, FIFO, directory, symlinks, symlinked directory) and of the test's
// own namespace through /proc/PID/ns/net. Creating namespace mounts needs root: see
// test/integration/controllers/reconcile/netns-attacks.test.ts for those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adoptPathProblem, adoptProblem, type AdoptPolicy } from '../../../../controllers/dataplane/netns-guard.js';
import { inspectNetnsPath } from '../../../../controllers/dataplane/netns-inspect.js';
import type { NetnsInspection } from '../../../../controllers/dataplane/types.js';
import { runOk } from '../../../../controllers/lib/exec.js';

const POLICY: AdoptPolicy = { dirs: ['/run/netns', '/var/run/netns'], allowHostNetns: false };

/** A namespace file that passes: a bind mount in /run/netns of some container's namespace. */
function ok(over: Partial<NetnsInspection> = {}): NetnsInspection {
  return { entry: 'file', parentReal: '/run/netns', dirsReal: ['/run/netns', '/run/netns'], netnsId: '4:100', agentNetnsId: '4:1', initNetnsId: '4:2', ...over };
}

test('a bind mount in a netns dir and a /proc magic link of another namespace are adopted', () => {
  assert.equal(adoptProblem('/run/netns/web', ok(), POLICY), undefined);
  assert.equal(adoptProblem('/var/run/netns/web', ok(), POLICY), undefined, '/var/run/netns resolves to /run/netns');
  assert.equal(adoptProblem('/proc/1234/ns/net', ok({ entry: 'symlink', parentReal: '/proc/1234/ns' }), POLICY), undefined);
  assert.equal(adoptProblem('/proc/1234/task/1240/ns/net', ok({ entry: 'symlink', parentReal: '/proc/1234/task/1240/ns' }), POLICY), undefined);
});

test('paths refused before the file system is looked at: traversal, relative, NUL, other places, other /proc files', () => {
  for (const path of ['/run/netns/../../etc/passwd', 'run/netns/x', '/run/netns/x/', '/run/netns/a\0b', '/tmp/x', '/run/netns/sub/x', '/proc/self/ns/net', '/proc/1234/ns/mnt', '/proc/1234/root/run/netns/x', '/proc/1234/ns/net/..']) {
    const r = adoptPathProblem(path, POLICY);
    assert.equal(r?.reason, 'NetnsRefused', path);
    assert.equal(adoptProblem(path, ok(), POLICY)?.reason, 'NetnsRefused', path);
  }
});

test('what lies at the path: symlink, FIFO, directory, socket, device, missing, not a namespace', () => {
  const cases: [Partial<NetnsInspection>, string, string][] = [
    [{ entry: 'symlink' }, 'NetnsRefused', 'is a symbolic link'],
    [{ entry: 'fifo' }, 'NetnsRefused', 'is a FIFO, not a network namespace file'],
    [{ entry: 'directory' }, 'NetnsRefused', 'is a directory'],
    [{ entry: 'socket' }, 'NetnsRefused', 'is a socket'],
    [{ entry: 'device' }, 'NetnsRefused', 'is a device file'],
    [{ entry: 'missing', netnsId: undefined }, 'NetnsNotFound', 'does not exist'],
    [{ netnsId: undefined }, 'NetnsNotFound', 'is not a network namespace (not an nsfs file of type net)'],
    [{ parentReal: '/proc/1/ns' }, 'NetnsRefused', 'symlinked directories are not followed'],
  ];
  for (const [over, reason, text] of cases) {
    const r = adoptProblem('/run/netns/web', ok(over), POLICY);
    assert.equal(r?.reason, reason, JSON.stringify(over));
    assert.ok(r.message.includes(text), `${r.message} should say "${text}"`);
  }
  // A /proc path is the kernel's magic link; a plain file there is not what the kernel makes.
  assert.equal(adoptProblem('/proc/12/ns/net', ok({ entry: 'file', parentReal: '/proc/12/ns' }), POLICY)?.reason, 'NetnsRefused');
});

test("never the agent's own namespace; PID 1's only with allowHostNetns", () => {
  const own = adoptProblem('/proc/4242/ns/net', ok({ entry: 'symlink', parentReal: '/proc/4242/ns', netnsId: '4:1' }), POLICY);
  assert.equal(own?.reason, 'NetnsRefused');
  assert.match(own!.message, /the agent's own network namespace/);
  assert.equal(adoptProblem('/run/netns/x', ok({ netnsId: '4:1' }), { ...POLICY, allowHostNetns: true })?.reason, 'NetnsRefused', 'the flag never allows the own namespace');
  const init = adoptProblem('/proc/1/ns/net', ok({ entry: 'symlink', parentReal: '/proc/1/ns', netnsId: '4:2' }), POLICY);
  assert.match(init!.message, /PID 1.*--allow-host-netns/);
  assert.equal(adoptProblem('/proc/1/ns/net', ok({ entry: 'symlink', parentReal: '/proc/1/ns', netnsId: '4:2' }), { ...POLICY, allowHostNetns: true }), undefined);
  assert.equal(adoptProblem('/run/netns/x', ok({ agentNetnsId: undefined }), POLICY)?.reason, 'NetnsRefused', 'no comparison possible: refuse');
});

test('real inspection: regular file, FIFO, directory, symlinks and a symlinked directory are never namespaces; nothing is opened that could block', async () => {
  const base = mkdtempSync(join(tmpdir(), 'nodenet-guard-'));
  try {
    const dir = join(base, 'netns');
    mkdirSync(dir);
    writeFileSync(join(dir, 'plain'), '');
    mkdirSync(join(dir, 'adir'));
    await runOk({ argv: ['mkfifo', join(dir, 'fifo')] });
    symlinkSync(`/proc/${process.pid}/ns/net`, join(dir, 'link'));
    symlinkSync('/proc/1/ns', join(base, 'evil'));
    const policy: AdoptPolicy = { dirs: [dir, join(base, 'evil')], allowHostNetns: false };
    const judge = (p: string): string | undefined => {
      const r = adoptProblem(p, inspectNetnsPath(p, policy.dirs), policy);
      return r && `${r.reason}: ${r.message}`;
    };
    assert.match(judge(join(dir, 'plain'))!, /NetnsNotFound: .* is not a network namespace/);
    assert.match(judge(join(dir, 'fifo'))!, /NetnsRefused: .* is a FIFO/, 'a FIFO is refused without being opened (no hang)');
    assert.match(judge(join(dir, 'adir'))!, /NetnsRefused: .* is a directory/);
    assert.match(judge(join(dir, 'link'))!, /NetnsRefused: .* is a symbolic link/);
    assert.match(judge(join(dir, 'none'))!, /NetnsNotFound: .* does not exist/);
    assert.match(judge(join(base, 'evil', 'net'))!, /NetnsRefused: .* is a symbolic link/, 'the magic link behind a symlinked directory');
    const info = inspectNetnsPath(join(dir, 'fifo'), policy.dirs);
    assert.equal(info.netnsId, undefined);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("real inspection: /proc/PID/ns/net of this process is the agent's own namespace", () => {
  const path = `/proc/${process.pid}/ns/net`;
  const info = inspectNetnsPath(path, POLICY.dirs);
  assert.equal(info.entry, 'symlink');
  assert.ok(info.netnsId !== undefined && info.netnsId === info.agentNetnsId, JSON.stringify(info));
  assert.match(adoptProblem(path, info, POLICY)!.message, /agent's own network namespace/);
  // A thread of this process: same namespace.
  const task = `/proc/${process.pid}/task/${process.pid}/ns/net`;
  assert.match(adoptProblem(task, inspectNetnsPath(task, POLICY.dirs), POLICY)!.message, /agent's own network namespace/);
});
