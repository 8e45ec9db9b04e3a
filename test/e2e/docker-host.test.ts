// Docker-style host conditions (the FORWARD policy is DROP, br_netfilter sends bridged traffic
// through iptables): traffic on our networks still flows, and Docker's rules stay as they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { makeOutside, ping, Responders, tcpAsk, type Outside } from '../helpers/topology.js';
import { allReady, startAgent, statusMap, waitStatus, CLI, type AgentProcess } from '../helpers/agent-process.js';
import { runOk } from '../../controllers/lib/exec.js';

let s: Scratch;
let agent: AgentProcess;
let outside: Outside;
let dirs: { dir: string; stateDir: string; netnsDir: string };
const responders = new Responders();
const KEYS = ['Network/frontend', 'Network/backend', 'Attachment/default/web-1-frontend', 'Attachment/default/web-2-frontend', 'Attachment/default/db-1-backend', 'Attachment/default/web-1-backend'];
const foreignRules = async (): Promise<string> =>
  (await runOk({ argv: ['iptables', '-S'] })).stdout
    .split('\n')
    .filter((l) => !/NODENET-FORWARD/.test(l))
    .join('\n');

before(async () => {
  s = await scratch();
  outside = await makeOutside(s);
  // What dockerd does to a host: FORWARD DROP, its own chains, br_netfilter on.
  await runOk({ argv: ['iptables', '-N', 'DOCKER-USER'] });
  await runOk({ argv: ['iptables', '-A', 'DOCKER-USER', '-j', 'RETURN'] });
  await runOk({ argv: ['iptables', '-A', 'FORWARD', '-j', 'DOCKER-USER'] });
  await runOk({ argv: ['iptables', '-P', 'FORWARD', 'DROP'] });
  await runOk({ argv: ['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1'] });
  await runOk({ argv: ['sysctl', '-qw', 'net.ipv4.ip_forward=1'] });
  const dir = mkdtempSync(join(s.stateDir + '-manifests-'));
  cpSync(join(REPO_ROOT, 'manifests/examples/netconf'), dir, { recursive: true });
  dirs = { dir, stateDir: s.stateDir, netnsDir: s.netnsDir };
});

after(async () => {
  responders.stopAll();
  await agent?.stop('SIGKILL');
  await s?.cleanup();
});

test('with FORWARD DROP and bridge-nf-call-iptables=1, our networks still pass traffic', async () => {
  const before = await foreignRules();
  agent = await startAgent(dirs);
  await waitStatus(dirs.stateDir, allReady(KEYS));
  const ip = (k: string): string => String(statusMap(dirs.stateDir).get(k)!.status.ipv4Address).split('/')[0]!;
  const ns = (n: string): string => join(dirs.netnsDir, n);
  assert.ok(await ping(ns('web-2'), ip('Attachment/default/web-1-frontend')), 'same network (bridged, through iptables FORWARD)');
  await responders.start(ns('web-1'), { port: 80, label: 'web-1' });
  await responders.start(outside.path, { port: 7000, label: 'outside', host: outside.serviceAddr });
  assert.match((await tcpAsk(outside.path, outside.hostAddr, 8080)) ?? 'nothing', /^web-1 /, 'published port from outside');
  assert.equal(await tcpAsk(ns('web-2'), outside.serviceAddr, 7000), `outside ${outside.hostAddr}`, 'egress, masqueraded');
  assert.equal(await ping(ns('web-2'), '10.89.0.10'), false, 'isolation still holds');
  const rules = (await runOk({ argv: ['iptables', '-S'] })).stdout;
  const forward = rules.split('\n').filter((l) => l.startsWith('-A FORWARD'));
  assert.match(forward[0] ?? '', /-j NODENET-FORWARD$/, "our jump comes first in FORWARD, ahead of Docker's");
  assert.equal(await foreignRules(), before, "Docker's rules untouched");
  await agent.stop('SIGTERM');
  await runOk({ argv: [process.execPath, CLI, 'cleanup', '--state-dir', dirs.stateDir, '--netns-dir', dirs.netnsDir] });
  const after = (await runOk({ argv: ['iptables', '-S'] })).stdout;
  assert.doesNotMatch(after, /NODENET/, 'cleanup removes the compat chain and jump');
  assert.equal(await foreignRules(), before, "Docker's rules untouched after cleanup");
  assert.match(after, /-P FORWARD DROP/);
});
