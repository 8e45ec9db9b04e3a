// Dual-stack bridge network with the agent (CLI, file mode) and real packets: IPv6 between
// sandboxes (usable at once: no tentative address), a published port reached over IPv6, IPv6
// egress masqueraded to an outside namespace, and the accept_ra guard on the host's uplink.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, type Scratch } from '../../helpers/scratch.js';
import { makeOutside, ping, Responders, sh, tcpAsk, inNs, type Outside } from '../../helpers/topology.js';
import { allReady, CLI, startAgent, statusMap, waitStatus, type AgentProcess } from '../../helpers/agent-process.js';
import { attach, net, sandbox, toYaml } from '../../helpers/objects.js';
import { run, runOk } from '../../../controllers/lib/exec.js';

const OBJECTS = [
  net('dual', { ipam: { ipv4: { subnet: '10.72.0.0/24' }, ipv6: { subnet: 'fd00:72::/64' } } }),
  sandbox('s1'),
  sandbox('s2'),
  attach('s1-dual', 's1', 'dual', { ports: [{ hostPort: 8080, containerPort: 80 }] }),
  attach('s2-dual', 's2', 'dual', { ipv6Address: 'fd00:72::20' }),
];
const KEYS = ['Network/dual', 'Sandbox/default/s1', 'Sandbox/default/s2', 'Attachment/default/s1-dual', 'Attachment/default/s2-dual'];

let s: Scratch;
let agent: AgentProcess;
let outside: Outside;
let dirs: { dir: string; stateDir: string; netnsDir: string };
const responders = new Responders();
const ns = (name: string): string => join(dirs.netnsDir, name);
const v6Of = (key: string): string => String(statusMap(dirs.stateDir).get(key)!.status.ipv6Address).split('/')[0]!;

/** The outside world gets IPv6 too: fd00:50::/64 on the link, fd00:60::1 its service address. */
async function addIpv6(o: Outside): Promise<void> {
  await sh(null, 'ip', '-6', 'addr', 'add', 'fd00:50::1/64', 'dev', 'up0', 'nodad');
  await sh(o.path, 'ip', '-6', 'addr', 'add', 'fd00:50::2/64', 'dev', 'eth0', 'nodad');
  await sh(o.path, 'ip', '-6', 'addr', 'add', 'fd00:60::1/128', 'dev', 'lo');
  await sh(o.path, 'ip', '-6', 'route', 'add', 'default', 'via', 'fd00:50::1');
  await sh(null, 'ip', '-6', 'route', 'add', 'fd00:60::/64', 'via', 'fd00:50::2');
}

before(async () => {
  s = await scratch();
  outside = await makeOutside(s);
  await addIpv6(outside);
  await sh(null, 'sysctl', '-qw', 'net.ipv6.conf.up0.accept_ra=1');
  const dir = mkdtempSync(join(s.stateDir + '-manifests-'));
  writeFileSync(join(dir, 'dual.yaml'), toYaml(OBJECTS));
  dirs = { dir, stateDir: s.stateDir, netnsDir: s.netnsDir };
  agent = await startAgent(dirs);
  await waitStatus(dirs.stateDir, allReady(KEYS));
});

after(async () => {
  responders.stopAll();
  await agent?.stop('SIGKILL');
  await s?.cleanup();
});

test('IPv6 between sandboxes, at once: no address is tentative', async () => {
  for (const sb of ['s1', 's2']) {
    const addrs = (await runOk({ argv: inNs(ns(sb), ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0']) })).stdout;
    assert.match(addrs, /fd00:72::/);
    assert.doesNotMatch(addrs, /tentative/, `${sb}: ${addrs}`);
  }
  assert.equal(v6Of('Attachment/default/s2-dual'), 'fd00:72::20');
  assert.ok(await ping(ns('s1'), 'fd00:72::20'), 's1 -> s2 over IPv6');
  assert.ok(await ping(ns('s2'), v6Of('Attachment/default/s1-dual')), 's2 -> s1 over IPv6');
  const routes = (await runOk({ argv: inNs(ns('s1'), ['ip', '-6', 'route', 'show', 'default']) })).stdout;
  assert.match(routes, /default via fd00:72::1 dev eth0/);
});

test('a published port answers over IPv6 from the outside', async () => {
  await responders.start(ns('s1'), { port: 80, label: 's1' });
  assert.equal(await tcpAsk(outside.path, 'fd00:50::1', 8080), 's1 fd00:50::2');
  assert.match((await tcpAsk(outside.path, outside.hostAddr, 8080)) ?? 'nothing', /^s1 /, 'and over IPv4');
});

test('IPv6 egress is masqueraded: the outside sees the host address', async () => {
  await responders.start(outside.path, { port: 9000, label: 'outside', host: 'fd00:60::1' });
  assert.equal(await tcpAsk(ns('s2'), 'fd00:60::1', 9000), 'outside fd00:50::1');
});

test('IPv6 forwarding is on, and the uplink kept accepting router advertisements (accept_ra 1 -> 2)', async () => {
  const read = async (k: string): Promise<string> => (await runOk({ argv: ['sysctl', '-n', k] })).stdout.trim();
  assert.equal(await read('net.ipv6.conf.all.forwarding'), '1');
  assert.equal(await read('net.ipv6.conf.up0.accept_ra'), '2');
  assert.equal(await read('net.ipv6.conf.nn-dual.accept_ra'), '0');
  const bridge = (await runOk({ argv: ['ip', '-6', '-o', 'addr', 'show', 'dev', 'nn-dual'] })).stdout;
  assert.match(bridge, /fe80::/);
  assert.doesNotMatch(bridge, /tentative/);
});

test('nodenet plan on the converged dual-stack node: no changes', async () => {
  const plan = await run({ argv: [process.execPath, CLI, 'plan', '--dir', dirs.dir, '--state-dir', dirs.stateDir, '--netns-dir', dirs.netnsDir] });
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /No changes/, plan.stdout);
});
