// Out-of-band edits of everything nodenet owns, one kind at a time, on a converged node that also
// holds foreign objects (a bridge with the name one of our networks wants, a foreign namespace
// where a sandbox wants to be, a foreign nftables table with rules in our hooks, Docker's chains
// with FORWARD policy DROP). Each edit must be healed within 2 s of the kernel's event (within one
// resync period when there is no event), recorded (log line, metric, Degraded condition), and no
// foreign object may change.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { spawnAgent, statusMap, type AgentDirs } from '../helpers/agent-process.js';
import { world, writeWorld } from '../helpers/torture-fixture.js';
import { assertInvariants, metricSum, sleep } from '../helpers/torture.js';
import { makeNs, sh } from '../helpers/topology.js';
import { run, runOk } from '../../controllers/lib/exec.js';
import { createKernelDataplane } from '../../controllers/dataplane/kernel.js';
import { hostVethName } from '../../controllers/model/names.js';
import type { Condition } from '../../api/v1alpha1/types.js';

const WORLD = world({ sandboxes: 6, internal: true, portShift: 0 });
const RESYNC_MS = 3000;
const METRICS = '127.0.0.1:19753';
let s: Scratch;
let dirs: AgentDirs;
let agent: ReturnType<typeof spawnAgent>;
const dp = createKernelDataplane();
const results: string[] = [];
const ns = (name: string): string => join(dirs.netnsDir, name);
const ipOf = (key: string): string => String(statusMap(dirs.stateDir).get(key)!.status.ipv4Address);

const FOREIGN = `
apiVersion: nodenet.io/v1alpha1
kind: Network
metadata: {name: taken}
spec: {ipam: {ipv4: {subnet: 10.130.0.0/24}}}
---
{apiVersion: nodenet.io/v1alpha1, kind: Sandbox, metadata: {name: clash}, spec: {netns: {name: foreign-ns}}}
`;

/** Everything foreign, as text: must never change. */
async function foreignSnapshot(): Promise<string> {
  const parts = await Promise.all([
    runOk({ argv: ['ip', '-d', 'link', 'show', 'nn-taken'] }),
    runOk({ argv: ['ip', 'addr', 'show', 'dev', 'nn-taken'] }),
    runOk({ argv: ['ip', '-d', 'link', 'show', 'fveth0'] }),
    runOk({ argv: ['nft', 'list', 'table', 'ip', 'foreign'] }),
    runOk({ argv: ['nsenter', `--net=${ns('foreign-ns')}`, 'ip', '-d', 'addr', 'show'] }),
    runOk({ argv: ['iptables', '-S', 'DOCKER'] }),
    runOk({ argv: ['iptables', '-S', 'DOCKER-USER'] }),
  ]);
  // Counters move with traffic; everything else must stay.
  return parts.map((p) => p.stdout.replace(/counter packets \d+ bytes \d+/g, 'counter')).join('\n');
}

before(async () => {
  s = await scratch('nodenet-drift-');
  dirs = { dir: s.stateDir + '-manifests', stateDir: s.stateDir, netnsDir: s.netnsDir };
  mkdirSync(dirs.dir, { recursive: true });
  // Foreign objects: a bridge named like network "taken" wants, a namespace where sandbox "clash"
  // wants its own, rules in the forward/prerouting hooks, Docker's chains with FORWARD DROP.
  await sh(null, 'ip', 'link', 'add', 'nn-taken', 'type', 'bridge');
  await sh(null, 'ip', 'addr', 'add', '10.131.0.1/24', 'dev', 'nn-taken');
  const foreignNs = await makeNs(s, 'foreign-ns');
  await sh(null, 'ip', 'link', 'add', 'fveth0', 'type', 'veth', 'peer', 'name', 'fveth1');
  await sh(null, 'ip', 'link', 'set', 'fveth1', 'netns', foreignNs);
  await sh(foreignNs, 'ip', 'addr', 'add', '10.120.0.200/24', 'dev', 'fveth1');
  await runOk({
    argv: ['nft', '-f', '-'],
    input: 'table ip foreign {\n chain their_forward {\n  type filter hook forward priority -5; policy accept;\n  iifname "nn-t-a" counter accept\n }\n chain their_prerouting {\n  type nat hook prerouting priority -110; policy accept;\n  tcp dport 20001 counter\n }\n}\n',
  });
  for (const argv of [['-N', 'DOCKER'], ['-N', 'DOCKER-USER'], ['-A', 'DOCKER-USER', '-j', 'RETURN'], ['-A', 'FORWARD', '-j', 'DOCKER-USER'], ['-A', 'DOCKER', '-d', '172.17.0.2/32', '-p', 'tcp', '--dport', '80', '-j', 'ACCEPT'], ['-P', 'FORWARD', 'DROP']]) {
    await runOk({ argv: ['iptables', ...argv] });
  }
  writeWorld(dirs.dir, WORLD);
  writeFileSync(join(dirs.dir, 'foreign.yaml'), FOREIGN);
  agent = spawnAgent(dirs, ['--resync', `${RESYNC_MS}ms`, '--drift-hold', '2s', '--metrics-addr', METRICS]);
  await agent.ready();
  await waitReadyWorld();
});

after(async () => {
  if (results.length) console.log(results.map((r) => `# ${r}`).join('\n'));
  await agent?.stop('SIGKILL');
  await s?.cleanup();
});

async function waitReadyWorld(): Promise<void> {
  const keys = WORLD.map((o) => (o.kind === 'Network' ? `Network/${o.metadata.name}` : `${o.kind}/default/${o.metadata.name}`));
  for (let i = 0; i < 400; i++) {
    const m = statusMap(dirs.stateDir);
    if (keys.every((k) => ((m.get(k)?.status.conditions ?? []) as Condition[]).some((c) => c.type === 'Ready' && c.status === 'True'))) return;
    await sleep(25);
  }
  throw new Error('world not Ready');
}

function metric(name: string, labels: string): Promise<number> {
  return metricSum(METRICS, name, [labels]);
}

/** Polls pred every 5 ms; resolves with the milliseconds it took, rejects after limitMs. */
async function healedWithin(pred: () => boolean | Promise<boolean>, limitMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    let ok = false;
    try {
      ok = await pred();
    } catch {
      ok = false;
    }
    if (ok) return Date.now() - t0;
    if (Date.now() - t0 > limitMs) throw new Error(`${what}: not healed within ${limitMs} ms\n${agent.lines.filter((l) => /drift|failed/.test(l)).slice(-10).join('\n')}`);
    await sleep(5);
  }
}

const read = <T>(path: string | undefined, fn: (x: ReturnType<typeof dp.session>) => T): T => {
  const sess = dp.session(path);
  try {
    return fn(sess);
  } finally {
    sess.close();
  }
};

const hasAddr = (path: string | undefined, dev: string, cidr: string): boolean =>
  read(path, (x) => {
    const l = x.getLink(dev);
    return !!l && l.up && x.listAddrs({ index: l.index }).some((a) => `${a.address}/${a.prefixLen}` === cidr);
  });

const vethOk = (key: string, bridge: string): boolean =>
  read(undefined, (x) => {
    const h = x.getLink(hostVethName(key));
    const br = x.getLink(bridge);
    return !!h && !!br && h.up && h.master === br.index;
  });

/** Runs one out-of-band edit; checks the heal time, the record (log, metric, Degraded) and the invariants. */
async function driftCase(opts: { name: string; owner: string; kind: string; edit: () => Promise<void>; healed: () => boolean | Promise<boolean>; limitMs?: number; reason?: string }): Promise<void> {
  const before = await metric('nodenet_drift_repairs_total', `kind="${opts.kind}"`);
  const logged = agent.lines.length;
  const t0 = Date.now();
  await opts.edit();
  const editMs = Date.now() - t0;
  const ms = (await healedWithin(opts.healed, opts.limitMs ?? 2000, opts.name)) + editMs;
  const repairLine = await (async (): Promise<string | undefined> => {
    for (let i = 0; i < 200; i++) {
      const l = agent.lines.slice(logged).find((x) => x.includes('"drift repaired"') && x.includes(`"key":"${opts.owner}"`));
      if (l) return l;
      await sleep(10);
    }
    return undefined;
  })();
  assert.ok(repairLine, `${opts.name}: a "drift repaired" log line for ${opts.owner}`);
  const rec = JSON.parse(repairLine) as { what: string; ms: number; source: string };
  results.push(`${opts.name}: healed ${ms} ms after the edit (agent: ${rec.ms} ms from detection by ${rec.source}); logged: ${rec.what}`);
  assert.ok((await metric('nodenet_drift_repairs_total', `kind="${opts.kind}"`)) > before, `${opts.name}: the repair counter moved`);
  if (opts.owner !== 'Firewall') {
    const deg = ((statusMap(dirs.stateDir).get(opts.owner)?.status.conditions ?? []) as Condition[]).find((c) => c.type === 'Degraded');
    assert.equal(deg?.reason, opts.reason ?? 'DriftRepaired', `${opts.name}: Degraded condition of ${opts.owner}: ${JSON.stringify(deg)}`);
    assert.equal(deg?.status, 'True');
  }
  await waitReadyWorld();
  await assertInvariants(dirs, WORLD, { foreignNetns: ['foreign-ns'], foreignLinks: ['nn-taken', 'fveth0'], context: `after ${opts.name}` });
}

let foreignBefore: string;

test('foreign objects are reported as conflicts and left alone', async () => {
  const m = statusMap(dirs.stateDir);
  const ready = (k: string): Condition | undefined => ((m.get(k)?.status.conditions ?? []) as Condition[]).find((c) => c.type === 'Ready');
  assert.equal(ready('Network/taken')?.reason, 'Conflict');
  assert.match(ready('Network/taken')!.message, /nn-taken already exists .*someone else/);
  assert.equal(ready('Sandbox/default/clash')?.reason, 'Conflict');
  assert.match(ready('Sandbox/default/clash')!.message, /was not created by nodenet/);
  foreignBefore = await foreignSnapshot();
  await assertInvariants(dirs, WORLD, { foreignNetns: ['foreign-ns'], foreignLinks: ['nn-taken', 'fveth0'], context: 'converged' });
  // Docker's chains stay; our compat chain was added next to them.
  assert.match((await runOk({ argv: ['iptables', '-S', 'FORWARD'] })).stdout, /-j NODENET-FORWARD/);
});

test('a deleted veth is recreated', async () => {
  const key = 'Attachment/default/s-01-a';
  const cidr = ipOf(key);
  await driftCase({
    name: 'veth deleted (ip link del)',
    owner: key,
    kind: 'Attachment',
    edit: () => sh(null, 'ip', 'link', 'del', hostVethName(key)),
    healed: () => vethOk(key, 'nn-t-a') && hasAddr(ns('s-01'), 'eth0', cidr),
  });
});

test('a deleted bridge is recreated and its ports re-join it', async () => {
  await driftCase({
    name: 'bridge deleted (ip link del nn-t-b)',
    owner: 'Network/t-b',
    kind: 'Network',
    edit: () => sh(null, 'ip', 'link', 'del', 'nn-t-b'),
    healed: () => hasAddr(undefined, 'nn-t-b', '10.121.0.1/24') && ['s-02-b', 's-04-b', 's-06-b'].every((a) => vethOk(`Attachment/default/${a}`, 'nn-t-b')),
  });
});

test('a removed address comes back', async () => {
  const key = 'Attachment/default/s-03-a';
  const cidr = ipOf(key);
  await driftCase({ name: 'address removed (ip addr del)', owner: key, kind: 'Attachment', edit: () => sh(ns('s-03'), 'ip', 'addr', 'del', cidr, 'dev', 'eth0'), healed: () => hasAddr(ns('s-03'), 'eth0', cidr) });
});

test('a removed default route comes back', async () => {
  const defaultVia = (): boolean => read(ns('s-05'), (x) => x.listRoutes({ family: 4 }).some((r) => r.dst === 'default' && r.gateway === '10.120.0.1'));
  await driftCase({ name: 'default route removed (ip route del default)', owner: 'Attachment/default/s-05-a', kind: 'Attachment', edit: () => sh(ns('s-05'), 'ip', 'route', 'del', 'default'), healed: defaultVia });
});

test('changed MTUs are set back (bridge and sandbox interface)', async () => {
  const mtu = (path: string | undefined, dev: string): number | undefined => read(path, (x) => x.getLink(dev)?.mtu);
  await driftCase({ name: 'bridge MTU changed (ip link set nn-t-a mtu 1400)', owner: 'Network/t-a', kind: 'Network', edit: () => sh(null, 'ip', 'link', 'set', 'nn-t-a', 'mtu', '1400'), healed: () => mtu(undefined, 'nn-t-a') === 1500 });
  await driftCase({ name: 'sandbox eth0 MTU changed (mtu 1300)', owner: 'Attachment/default/s-02-b', kind: 'Attachment', edit: () => sh(ns('s-02'), 'ip', 'link', 'set', 'eth0', 'mtu', '1300'), healed: () => mtu(ns('s-02'), 'eth0') === 1500 });
});

test('an interface set down is set up again', async () => {
  const key = 'Attachment/default/s-06-b';
  await driftCase({ name: 'host veth set down (ip link set down)', owner: key, kind: 'Attachment', edit: () => sh(null, 'ip', 'link', 'set', hostVethName(key), 'down'), healed: () => vethOk(key, 'nn-t-b') });
});

test("a deleted sandbox namespace is recreated with its interfaces (umount + rm, like ip netns del)", async () => {
  const key = 'Attachment/default/s-04-b';
  await driftCase({
    name: 'namespace deleted (umount + rm)',
    owner: 'Sandbox/default/s-04',
    kind: 'Sandbox',
    edit: async () => {
      await sh(null, 'umount', ns('s-04'));
      await sh(null, 'rm', ns('s-04'));
    },
    healed: () => dp.isNetns(ns('s-04')) && vethOk(key, 'nn-t-b') && hasAddr(ns('s-04'), 'eth0', '10.121.0.40/24'),
  });
});

test('a namespace unmounted but left as an empty file is recreated too', async () => {
  await driftCase({
    name: 'namespace unmounted (umount only)',
    owner: 'Sandbox/default/s-05',
    kind: 'Sandbox',
    edit: () => sh(null, 'umount', ns('s-05')),
    healed: () => dp.isNetns(ns('s-05')) && hasAddr(ns('s-05'), 'eth0', ipOf('Attachment/default/s-05-a')),
    limitMs: RESYNC_MS + 2000,
  });
});

const ourTable = async (): Promise<string> => (await run({ argv: ['nft', 'list', 'table', 'inet', 'nodenet'] })).stdout;

test('nftables drift: table flushed, table deleted, a rule deleted, a port element deleted', async () => {
  const good = await ourTable();
  assert.match(good, /dnat4_any/);
  const same = async (): Promise<boolean> => (await ourTable()) === good;
  await driftCase({ name: 'nft flush table inet nodenet', owner: 'Firewall', kind: 'Firewall', edit: () => sh(null, 'nft', 'flush', 'table', 'inet', 'nodenet'), healed: same });
  await driftCase({ name: 'nft delete table inet nodenet', owner: 'Firewall', kind: 'Firewall', edit: () => sh(null, 'nft', 'delete', 'table', 'inet', 'nodenet'), healed: same });
  const handles = (await runOk({ argv: ['nft', '-a', 'list', 'chain', 'inet', 'nodenet', 'nat_postrouting'] })).stdout;
  const handle = /masquerade .*# handle (\d+)/.exec(handles)?.[1];
  assert.ok(handle, `a masquerade rule to delete in:\n${handles}`);
  await driftCase({ name: 'nft delete rule (masquerade)', owner: 'Firewall', kind: 'Firewall', edit: () => sh(null, 'nft', 'delete', 'rule', 'inet', 'nodenet', 'nat_postrouting', 'handle', handle), healed: same });
  const ip = ipOf('Attachment/default/s-01-a').split('/')[0]!;
  await driftCase({ name: 'nft delete element (published port)', owner: 'Firewall', kind: 'Firewall', edit: () => sh(null, 'nft', 'delete', 'element', 'inet', 'nodenet', 'dnat4_any', `{ tcp . 20001 : ${ip} . 80 }`), healed: same });
  const statusOfNet = ((statusMap(dirs.stateDir).get('Network/t-a')?.status.conditions ?? []) as Condition[]).find((c) => c.type === 'Degraded');
  assert.equal(statusOfNet?.reason, 'DriftRepaired', 'networks show the firewall repair');
});

test('without any kernel event (a sysctl), the periodic resync repairs within one period', async () => {
  const key = 'net/ipv4/conf/nn-t-a/route_localnet';
  await driftCase({
    name: 'sysctl route_localnet=0 on nn-t-a (no event; resync)',
    owner: 'Network/t-a',
    kind: 'Network',
    edit: () => sh(null, 'sysctl', '-qw', 'net.ipv4.conf.nn-t-a.route_localnet=0'),
    healed: () => read(undefined, (x) => x.readSysctl(key)) === '1',
    limitMs: RESYNC_MS + 1000,
  });
});

test('with kernel events off, a deleted veth is repaired by the resync within one period', async () => {
  await agent.stop('SIGTERM');
  agent = spawnAgent(dirs, ['--resync', `${RESYNC_MS}ms`, '--drift-hold', '2s', '--metrics-addr', METRICS, '--kernel-events', 'off']);
  await agent.ready();
  const key = 'Attachment/default/s-03-a';
  await driftCase({
    name: 'veth deleted, kernel events off (resync)',
    owner: key,
    kind: 'Attachment',
    edit: () => sh(null, 'ip', 'link', 'del', hostVethName(key)),
    healed: () => vethOk(key, 'nn-t-a'),
    limitMs: RESYNC_MS + 1000,
  });
});

test('the Degraded condition clears after the hold time; foreign objects never changed', async () => {
  await sleep(2500 + RESYNC_MS);
  const deg = ((statusMap(dirs.stateDir).get('Attachment/default/s-01-a')?.status.conditions ?? []) as Condition[]).find((c) => c.type === 'Degraded');
  assert.equal(deg?.status, 'False', JSON.stringify(deg));
  assert.equal(await foreignSnapshot(), foreignBefore);
  const m = statusMap(dirs.stateDir);
  assert.equal(((m.get('Network/taken')?.status.conditions ?? []) as Condition[]).find((c) => c.type === 'Ready')?.reason, 'Conflict');
  assert.equal(agent.lines.filter((l) => l.includes('"kernel change"') && l.includes('nn-taken')).length, 0, 'never a kernel change naming the foreign bridge');
});
