// The invariant checker itself: on a converged node it finds nothing; with faults planted by hand
// it names every one (a leaked marked veth, a leftover namespace, a missing address, a duplicate
// address, a leaked nft element, a foreign rule in our table, a leftover temp file, a missing
// allocation). Without this, "invariants hold" after a crash would prove nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLedgerFiles } from '../../controllers/state/ledger.js';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { spawnAgent, statusMap, type AgentDirs } from '../helpers/agent-process.js';
import { world, writeWorld } from '../helpers/torture-fixture.js';
import { checkInvariants, formatReport, isClean } from '../helpers/invariants.js';
import { waitConverged } from '../helpers/torture.js';
import { sh } from '../helpers/topology.js';

const W = world({ sandboxes: 4, internal: true, portShift: 0 });
let s: Scratch;
let dirs: AgentDirs;

before(async () => {
  s = await scratch('nodenet-inv-');
  dirs = { dir: s.stateDir + '-manifests', stateDir: s.stateDir, netnsDir: s.netnsDir };
  mkdirSync(dirs.dir, { recursive: true });
  writeWorld(dirs.dir, W);
  const a = spawnAgent(dirs);
  await a.ready();
  await waitConverged(dirs.stateDir, W);
  assert.equal(await a.stop('SIGTERM'), 0);
});

after(async () => s?.cleanup());

test('a converged node is clean', async () => {
  const r = await checkInvariants({ objects: W, stateDir: dirs.stateDir, netnsDir: dirs.netnsDir });
  assert.ok(isClean(r), formatReport(r));
});

test('every planted fault is reported by name', async () => {
  const ip1 = String(statusMap(dirs.stateDir).get('Attachment/default/s-01-a')!.status.ipv4Address);
  const ip3 = String(statusMap(dirs.stateDir).get('Attachment/default/s-03-a')!.status.ipv4Address);
  await sh(null, 'ip', 'link', 'add', 'nnv0000ghost00', 'type', 'veth', 'peer', 'name', 'ghostp');
  await sh(null, 'ip', 'link', 'set', 'nnv0000ghost00', 'alias', 'nodenet:Attachment/default/ghost');
  await sh(null, 'touch', join(dirs.netnsDir, 'leftover'));
  await sh(join(dirs.netnsDir, 's-03'), 'ip', 'addr', 'del', ip3, 'dev', 'eth0');
  await sh(join(dirs.netnsDir, 's-02'), 'ip', 'addr', 'add', ip1, 'dev', 'eth0');
  await sh(null, 'nft', 'add', 'element', 'inet', 'nodenet', 'dnat4_any', '{ tcp . 9999 : 10.120.0.77 . 80 }');
  await sh(null, 'nft', 'add', 'rule', 'inet', 'nodenet', 'filter_forward', 'counter');
  writeFileSync(join(dirs.stateDir, '.state.json.1.abc.tmp'), '');
  // The agent is stopped: its state (snapshot plus journal) becomes one snapshot without t-c's allocations.
  const statePath = join(dirs.stateDir, 'state.json');
  const state = readLedgerFiles(dirs.stateDir);
  assert.ok(state.allocations['t-c'], 't-c has allocations to lose');
  delete state.allocations['t-c'];
  writeFileSync(statePath, JSON.stringify(state));
  rmSync(join(dirs.stateDir, 'state.journal'), { force: true });

  const r = await checkInvariants({ objects: W, stateDir: dirs.stateDir, netnsDir: dirs.netnsDir });
  const text = formatReport(r);
  const expect = [
    /extra: {3}host: link nnv0000ghost00 kind=veth .*alias=nodenet:Attachment\/default\/ghost/,
    /extra: {3}netns .*\/leftover/,
    /problem: .*\/leftover is not a live namespace/,
    new RegExp(`missing: netns s-03: addr ${ip3.replace(/\./g, '\\.')} on eth0`),
    new RegExp(`problem: duplicate address ${ip1.split('/')[0]!.replace(/\./g, '\\.')} in s-0[12], s-0[12]`),
    /extra: {3}nft dnat4_any element tcp \. 9999 : 10\.120\.0\.77 \. 80/,
    /extra: {3}nft rule without our comment: counter/,
    /extra: {3}temp file .*\.state\.json\.1\.abc\.tmp/,
    /missing: allocation t-c 10\.122\.0\.50 Attachment\/default\/s-03-c/,
  ];
  for (const re of expect) assert.match(text, re);
  console.log(`# the checker named all ${expect.length} planted faults (${r.missing.length} missing, ${r.extra.length} extra, ${r.problems.length} problems)`);
});
