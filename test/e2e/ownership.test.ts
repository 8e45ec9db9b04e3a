// The ownership ledger in status matches the kernel: every object the agent (CLI) lists exists
// as listed, and a scan of everything carrying our marker (links, namespaces), every rule and
// element of our nftables table, and our files finds nothing unlisted. Deleting an object removes
// exactly what it listed. Along the way: the audit trail names objects and firewall commands, and
// `nodenet status --watch --until-ready` follows the first convergence.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { CLI, startAgent, statusMap, waitStatus, type AgentProcess } from '../helpers/agent-process.js';
import { createKernelDataplane } from '../../controllers/dataplane/kernel.js';
import type { Dataplane } from '../../controllers/dataplane/types.js';
import { isOurMarker } from '../../controllers/model/names.js';
import { parseListing } from '../../controllers/explain/nft/listing.js';
import { readNodeStatus } from '../../controllers/hostcheck/node-status.js';
import type { OwnedObjects } from '../../controllers/ownership/types.js';
import { runOk } from '../../controllers/lib/exec.js';

let s: Scratch;
let dirs: { dir: string; stateDir: string; netnsDir: string };
let agent: AgentProcess;
let dp: Dataplane;
let watch: { code: Promise<number | null>; out: string[] };

before(async () => {
  s = await scratch();
  const dir = mkdtempSync(join(s.stateDir + '-manifests-'));
  copyFileSync(join(REPO_ROOT, 'test/unit/controllers/explain/fixtures/objects.yaml'), join(dir, 'objects.yaml'));
  dirs = { dir, stateDir: s.stateDir, netnsDir: s.netnsDir };
  const child = spawn(process.execPath, [CLI, 'status', '--watch', '--until-ready', '--timeout', '30s', '--interval', '100ms', '--dir', dir, '--state-dir', s.stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  watch = { code: new Promise((r) => child.on('exit', (c) => r(c))), out };
  // The watcher draws its first frame (nothing reported yet) before the agent starts.
  while (!out.join('').includes('PENDING')) await new Promise((r) => setTimeout(r, 20));
  agent = await startAgent(dirs, ['--resync', '0', '--node-name', 'node-a', '--host-check-interval', '200ms']);
  dp = createKernelDataplane();
});

after(async () => {
  await agent?.stop('SIGKILL');
  await s?.cleanup();
});

function ownedLists(): Map<string, OwnedObjects> {
  const m = new Map([...statusMap(dirs.stateDir).entries()].map(([k, r]) => [k, ((r.status as { owned?: OwnedObjects }).owned ?? {})]));
  const node = readNodeStatus(dirs.stateDir).find((n) => n.name === 'node-a');
  if (node?.status.owned) m.set('Node/node-a', node.status.owned);
  return m;
}

interface Scan {
  links: Set<string>;
  addrs: Set<string>;
  routes: Set<string>;
  netns: Set<string>;
  rules: Set<string>;
  elements: Set<string>;
  chains: Set<string>;
  sets: Set<string>;
  files: Set<string>;
}

/** Everything of ours the kernel and the state dir hold, found by markers and by our table. */
async function scanKernel(): Promise<Scan> {
  const scan: Scan = { links: new Set(), addrs: new Set(), routes: new Set(), netns: new Set(), rules: new Set(), elements: new Set(), chains: new Set(), sets: new Set(), files: new Set() };
  const spaces: (string | undefined)[] = [undefined];
  for (const path of dp.listNetns(dirs.netnsDir)) {
    const ss = dp.session(path);
    try {
      if (isOurMarker(ss.getLink('lo')?.alias)) {
        scan.netns.add(path);
        spaces.push(path);
      }
    } finally {
      ss.close();
    }
  }
  for (const ns of spaces) {
    const ss = dp.session(ns);
    try {
      for (const l of ss.listLinks()) {
        if (!isOurMarker(l.alias)) continue;
        scan.links.add(`${ns ?? 'host'}|${l.name}|${l.index}`);
        if (l.name === 'lo') continue;
        for (const a of ss.listAddrs({ index: l.index })) if (!a.address.startsWith('fe80:')) scan.addrs.add(`${ns ?? 'host'}|${l.name}|${a.address}/${a.prefixLen}`);
      }
      // Routes we add ourselves are the sandboxes' default routes; connected routes are the kernel's.
      if (ns) for (const r of ss.listRoutes({ family: 4 })) if (r.gateway) scan.routes.add(`${ns}|${r.dst}|${r.gateway}|${ss.getLinkByIndex(r.oif!)?.name}`);
    } finally {
      ss.close();
    }
  }
  const listing = parseListing((await runOk({ argv: ['nft', '-j', 'list', 'table', 'inet', 'nodenet'] })).stdout);
  for (const c of listing.chains) {
    scan.chains.add(c.name);
    for (const r of c.rules) scan.rules.add(`${c.name}|${r.comment}`);
  }
  for (const st of listing.sets) {
    scan.sets.add(st.name);
    assert.ok(st.complete, `set ${st.name} read back completely`);
    for (const k of st.elements.keys()) scan.elements.add(`${st.name}|${k}`);
  }
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else scan.files.add(p);
    }
  };
  walk(join(dirs.stateDir, 'sandboxes'));
  return scan;
}

function listed(lists: Map<string, OwnedObjects>): Scan {
  const out: Scan = { links: new Set(), addrs: new Set(), routes: new Set(), netns: new Set(), rules: new Set(), elements: new Set(), chains: new Set(), sets: new Set(), files: new Set() };
  const once = (set: Set<string>, k: string, who: string): void => {
    assert.ok(!set.has(k), `${k} is listed twice (again by ${who})`);
    set.add(k);
  };
  for (const [who, o] of lists) {
    for (const l of o.links ?? []) once(out.links, `${l.netns ?? 'host'}|${l.name}|${l.ifindex}`, who);
    for (const a of o.addresses ?? []) once(out.addrs, `${a.netns ?? 'host'}|${a.dev}|${a.address}`, who);
    for (const r of o.routes ?? []) once(out.routes, `${r.netns}|${r.dst}|${r.via}|${r.dev}`, who);
    if (o.netns?.created) once(out.netns, o.netns.path, who);
    for (const r of o.nftables?.rules ?? []) once(out.rules, `${r.chain}|${r.id}`, who);
    for (const e of o.nftables?.elements ?? []) once(out.elements, `${e.set}|${e.key}`, who);
    for (const c of o.nftables?.chains ?? []) once(out.chains, c, who);
    for (const st of o.nftables?.sets ?? []) once(out.sets, st, who);
    for (const f of o.files ?? []) once(out.files, f, who);
  }
  return out;
}

function same(kind: keyof Scan, kernel: Scan, ours: Scan): void {
  assert.deepEqual([...ours[kind]].filter((x) => !kernel[kind].has(x)), [], `listed ${kind} missing from the kernel`);
  assert.deepEqual([...kernel[kind]].filter((x) => !ours[kind].has(x)), [], `${kind} of ours nobody lists`);
}

const KINDS: (keyof Scan)[] = ['links', 'addrs', 'routes', 'netns', 'rules', 'elements', 'chains', 'sets', 'files'];

test('status --watch --until-ready followed the first convergence and exited 0', async () => {
  assert.equal(await watch.code, 0);
  const text = watch.out.join('');
  assert.match(text.split('nodenet status --watch')[1]!, /^all\s+0\s+0\s+17\s+17$/m, 'the first frame: everything pending');
  assert.match(text, /^all\s+17\s+0\s+0\s+17$/m, 'the last frame: all ready');
});

test('every listed object exists, and everything of ours is listed', async () => {
  await waitStatus(dirs.stateDir, (m) => m.size === 17);
  const deadline = Date.now() + 5000;
  while (!readNodeStatus(dirs.stateDir).some((n) => n.status.owned) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const kernel = await scanKernel();
  const ours = listed(ownedLists());
  for (const k of KINDS) same(k, kernel, ours);
  assert.equal(kernel.links.size, 4 + 7 * 2 + 6);
  assert.ok(kernel.elements.has('dnat4_any|tcp . 8080'));
});

test('the audit trail names the object of each netlink change and every firewall command', () => {
  const lines = agent.kernelChanges().map((l) => JSON.parse(l) as { object?: string; change: string; ok: boolean });
  assert.ok(lines.some((l) => l.object === 'Network/frontend' && /^ip link add nn-frontend .*type bridge/.test(l.change)), 'the bridge, by its network');
  assert.ok(lines.some((l) => l.object === 'Attachment/default/web-1-frontend' && /veth/.test(l.change)));
  assert.ok(lines.some((l) => l.object === 'firewall' && l.change.startsWith('nft add table inet nodenet')));
  assert.ok(lines.some((l) => l.object === 'firewall' && /^nft add element inet nodenet dnat4_any \{ tcp \. 8080 : 10\.88\.0\.2 \. 80 \}$/.test(l.change)));
  assert.ok(lines.every((l) => l.ok));
  assert.ok(lines.every((l) => l.object !== undefined), 'every change of the first start is attributed');
});

test('deleting an attachment removes exactly what it listed; the rest still matches', async () => {
  const key = 'Attachment/default/web-1-frontend';
  const gone = listed(new Map([[key, ownedLists().get(key)!]]));
  const file = join(dirs.dir, 'objects.yaml');
  const text = readFileSync(file, 'utf8');
  const doc = text.split('\n---\n').filter((d) => !d.includes('name: web-1-frontend')).join('\n---\n');
  writeFileSync(file, doc);
  await waitStatus(dirs.stateDir, (m) => !m.has(key) && m.size === 16);
  await new Promise((r) => setTimeout(r, 300));
  const kernel = await scanKernel();
  for (const k of KINDS) for (const x of gone[k]) assert.ok(!kernel[k].has(x), `${x} (${k}) is gone`);
  assert.ok(gone.links.size === 2 && gone.elements.size === 2 && gone.routes.size === 1, 'it listed its veth pair, its two elements and its default route');
  const ours = listed(ownedLists());
  for (const k of KINDS) same(k, kernel, ours);
  assert.ok(existsSync(join(dirs.stateDir, 'sandboxes/default/web-1/hosts')), 'the sandbox (not deleted) keeps its files');
});
