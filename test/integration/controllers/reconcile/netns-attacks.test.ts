// Namespace path attacks against the real agent (CLI, file mode) in a scratch namespace: paths with
// "..", /proc/self, /proc/1 and places outside the netns dirs are refused by validation; a regular
// file, a FIFO, a directory, symlinks (to PID 1's namespace, to a real namespace), bind mounts of
// the agent's own namespace, and /proc/PID/ns/net of processes in the agent's
// namespace are refused at run time with a clear status reason; nothing is created in the kernel.
// Then a namespace that was adopted and Ready is swapped for a symlink to the agent's namespace:
// refused on the next pass, nothing done through it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, type Scratch } from '../../../helpers/scratch.js';
import { allReady, startAgent, statusMap, waitStatus, type AgentProcess } from '../../../helpers/agent-process.js';
import { kernelSnapshot } from '../../../helpers/kernel-snapshot.js';
import { makeNs, inNs } from '../../../helpers/topology.js';
import { runOk } from '../../../../controllers/lib/exec.js';
import { native } from '../../../../controllers/dataplane/netlink/native.js';
import type { StatusRecord } from '../../../../controllers/status/record.js';

let s: Scratch;
let dir: string;
let agent: AgentProcess;
const mounts: string[] = [];
const at = (name: string): string => join(s.netnsDir, name);

const GOOD = (good: string): string => `
apiVersion: nodenet.io/v1alpha1
kind: Network
metadata: {name: front}
spec: {ipam: {ipv4: {subnet: 10.77.0.0/24}}}
---
{apiVersion: nodenet.io/v1alpha1, kind: Sandbox, metadata: {name: web}, spec: {netns: {path: ${good}}}}
---
{apiVersion: nodenet.io/v1alpha1, kind: Attachment, metadata: {name: web-front}, spec: {sandbox: web, network: front}}
`;

const sandboxDoc = (name: string, path: string, attach: boolean): string =>
  `---\n{apiVersion: nodenet.io/v1alpha1, kind: Sandbox, metadata: {name: ${name}}, spec: {netns: {path: "${path}"}}}\n` +
  (attach ? `---\n{apiVersion: nodenet.io/v1alpha1, kind: Attachment, metadata: {name: ${name}-front}, spec: {sandbox: ${name}, network: front}}\n` : '');

const ready = (rec: StatusRecord | undefined): string => {
  const c = ((rec?.status.conditions ?? []) as { type: string; status: string; reason: string; message: string }[]).find((x) => x.type === 'Ready');
  return c ? `${c.status}:${c.reason} ${c.message}` : '';
};

async function bind(source: string, name: string): Promise<string> {
  const target = at(name);
  writeFileSync(target, '');
  await runOk({ argv: ['mount', '--bind', source, target] });
  mounts.push(target);
  return target;
}

before(async () => {
  s = await scratch();
  dir = mkdtempSync(`${s.stateDir}-manifests-`);
  await makeNs(s, 'good');
  writeFileSync(join(dir, 'good.yaml'), GOOD(at('good')));
  agent = await startAgent({ dir, stateDir: s.stateDir, netnsDir: s.netnsDir }, ['--resync', '300ms']);
  await waitStatus(s.stateDir, allReady(['Network/front', 'Sandbox/default/web', 'Attachment/default/web-front']));
});

after(async () => {
  await agent?.stop('SIGKILL');
  for (const m of mounts) await runOk({ argv: ['umount', m] }).catch(() => undefined);
  for (const e of ['plain', 'fifo', 'adir', 'link-host', 'link-good', 'bound-self', 'good']) rmSync(at(e), { recursive: true, force: true });
  await s?.cleanup();
});

test('attack paths are refused (validation or run time) with clear reasons, and the kernel is unchanged', async () => {
  writeFileSync(at('plain'), '');
  await runOk({ argv: ['mkfifo', at('fifo')] });
  mkdirSync(at('adir'));
  symlinkSync('/proc/1/ns/net', at('link-host'));
  symlinkSync(at('good'), at('link-good'));
  await bind(`/proc/${process.pid}/ns/net`, 'bound-self');
  // (A bind mount of /proc/1/ns/net cannot be made from inside the test's mount namespace; the
  // guard's PID 1 rule is covered by the unit tests, the literal paths by validation below.)
  const skip = [at('bound-self')];
  const baseline = await kernelSnapshot(s.netnsDir, skip);
  const changesBefore = agent.kernelChanges().length;

  // Runtime refusals. Paths that would lead to the real host namespace get no attachment: if the
  // guard were broken, the test must not be what changes the machine's network.
  const runtime: [string, string, boolean, RegExp][] = [
    ['p-plain', at('plain'), true, /^False:NetnsNotFound .*is not a network namespace/],
    ['p-fifo', at('fifo'), true, /^False:NetnsRefused .*is a FIFO/],
    ['p-dir', at('adir'), true, /^False:NetnsRefused .*is a directory/],
    ['p-link-host', at('link-host'), false, /^False:NetnsRefused .*is a symbolic link/],
    ['p-link-good', at('link-good'), true, /^False:NetnsRefused .*is a symbolic link/],
    ['p-bound-self', at('bound-self'), true, /^False:NetnsRefused .*agent's own network namespace/],
    ['p-test-pid', `/proc/${process.pid}/ns/net`, true, /^False:NetnsRefused .*agent's own network namespace/],
    ['p-agent-pid', `/proc/${agent.child.pid}/ns/net`, true, /^False:NetnsRefused .*agent's own network namespace/],
    ['p-agent-task', `/proc/${agent.child.pid}/task/${agent.child.pid}/ns/net`, true, /^False:NetnsRefused .*agent's own network namespace/],
    ['p-missing', at('missing'), true, /^False:NetnsNotFound .*does not exist/],
  ];
  // Refused by validation: never an object, a problem naming the field.
  const invalid: [string, string][] = [
    ['v-dotdot', `${s.netnsDir}/../netns/good`],
    ['v-proc-self', '/proc/self/ns/net'],
    ['v-proc-1', '/proc/1/ns/net'],
    ['v-proc-1-task', '/proc/1/task/1/ns/net'],
    ['v-outside', '/tmp/nodenet-ns'],
    ['v-root', `/proc/${agent.child.pid}/root${at('good')}`],
  ];
  writeFileSync(join(dir, 'attacks.yaml'), [...runtime.map(([n, p, a]) => sandboxDoc(n, p, a)), ...invalid.map(([n, p]) => sandboxDoc(n, p, false))].join(''));
  const keys = [...runtime.map(([n]) => `Sandbox/default/${n}`), ...runtime.filter(([, , a]) => a).map(([n]) => `Attachment/default/${n}-front`)];
  const m = await waitStatus(s.stateDir, (st) => keys.every((k) => ready(st.get(k)).startsWith('False:')), 15_000);
  for (const [name, , attached, want] of runtime) {
    assert.match(ready(m.get(`Sandbox/default/${name}`)), want, name);
    if (attached) assert.match(ready(m.get(`Attachment/default/${name}-front`)), /^False:SandboxNotReady/, `${name}-front`);
  }
  const problems = readFileSync(join(s.stateDir, 'problems.json'), 'utf8');
  for (const [name] of invalid) {
    const line = (JSON.parse(problems) as { name?: string; text: string }[]).find((p) => p.name === name)?.text ?? '';
    assert.match(line, new RegExp(`attacks\\.yaml:\\d+ \\(doc \\d+, Sandbox default/${name}\\) spec\\.netns\\.path: `), `${name}: ${line}`);
    assert.equal(statusMap(s.stateDir).get(`Sandbox/default/${name}`), undefined, `${name} must never become an object`);
  }
  // Give a (broken) agent time to act on a resync before comparing.
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(await kernelSnapshot(s.netnsDir, skip), baseline, 'the kernel changed');
  assert.deepEqual(agent.kernelChanges().slice(changesBefore), [], 'the agent logged kernel changes');
  rmSync(join(dir, 'attacks.yaml'));
});

test('a Ready adopted namespace swapped for a symlink to the agent namespace is refused on the next pass; nothing is done through it', async () => {
  const before = agent.kernelChanges().length;
  const links = async (): Promise<string[]> => JSON.parse((await runOk({ argv: inNs(null, ['ip', '-j', 'link', 'show']) })).stdout).map((l: { ifname: string }) => l.ifname).sort();
  const linksBefore = await links();
  native().netnsDelete(at('good'));
  symlinkSync(`/proc/${process.pid}/ns/net`, at('good'));
  const m = await waitStatus(s.stateDir, (st) => ready(st.get('Sandbox/default/web')).startsWith('False:'), 10_000);
  assert.match(ready(m.get('Sandbox/default/web')), /^False:NetnsRefused .*is a symbolic link/);
  await waitStatus(s.stateDir, (st) => ready(st.get('Attachment/default/web-front')).startsWith('False:'), 10_000);
  await new Promise((r) => setTimeout(r, 700));
  const after = await links();
  assert.ok(!after.includes('eth0'), 'no container interface in the agent namespace');
  assert.ok(after.every((l) => linksBefore.includes(l)), `new links: ${after.filter((l) => !linksBefore.includes(l)).join(', ')}`);
  const routes = (await runOk({ argv: ['ip', '-4', 'route', 'show', 'default'] })).stdout.trim();
  assert.equal(routes, '', 'no default route appeared in the agent namespace');
  const changes = agent.kernelChanges().slice(before);
  assert.ok(changes.every((c) => !c.includes(at('good')) && /link del|delete/.test(c)), `changes after the swap: ${changes.join('\n')}`);
});
