// explain against synthetic state: the engine's in-memory kernel plus a captured nftables
// listing (see world.ts). Each case states the verdict and the rule or setting that decides it;
// the kernel tests (test/e2e/explain-matrix.test.ts) compare the same verdicts with real packets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { explain } from '../../../../controllers/explain/explain.js';
import { resolveDest, resolveSource } from '../../../../controllers/explain/resolve.js';
import { findChain, parseListing, type Listing } from '../../../../controllers/explain/nft/listing.js';
import type { Explanation } from '../../../../controllers/explain/trace.js';
import { renderExplanation } from '../../../../controllers/explain/render.js';
import type { TestAgent } from '../../../helpers/engine.js';
import { fixtureJson, fixtureListing, hostOps, startWorld, withIptablesForward, worldOf } from './world.js';

let t: TestAgent;
before(async () => {
  t = await startWorld();
});
after(async () => {
  await t.stop();
});

function ask(from: string, to: string, listing?: Listing): Explanation {
  const w = worldOf(t, listing);
  try {
    const src = resolveSource(from, w.objects);
    return explain(w, src, resolveDest(to, w.objects, src));
  } finally {
    w.close();
  }
}

const handleOf = (l: Listing, chain: string, text: RegExp): number => {
  const c = findChain(l, 'inet', 'nodenet', chain)!;
  const r = c.rules.find((x) => text.test(JSON.stringify(x.expr)));
  assert.ok(r, `rule ${text} in ${chain}`);
  return r.handle;
};

test('same network, ICC on: reachable, decided by the ICC accept of its chain', () => {
  const e = ask('web-1', 'web-2');
  assert.equal(e.verdict, 'reachable');
  assert.match(e.reason, /same network frontend/);
  const h = handleOf(fixtureListing(), 'into_nn-frontend', /^\[\{"match":\{"op":"==","left":\{"meta":\{"key":"iifname"\}\},"right":"nn-frontend"\}\},\{"accept"/);
  assert.equal(e.decidedBy, `nodenet rule inet nodenet into_nn-frontend handle ${h}`);
});

test('ICC off: blocked by the network\'s drop rule', () => {
  const e = ask('q-1', 'q-2');
  assert.equal(e.verdict, 'blocked');
  assert.match(e.reason, /network quiet has inter-container communication off/);
  const h = handleOf(fixtureListing(), 'into_nn-quiet', /"right":"nn-quiet"\}\},\{"drop"/);
  assert.equal(e.decidedBy, `nodenet rule inet nodenet into_nn-quiet handle ${h}`);
});

test('two isolated networks: blocked both ways by the isolation rule of the destination', () => {
  const there = ask('o-1', 'web-2');
  assert.equal(there.verdict, 'blocked');
  assert.match(there.reason, /networks other and frontend are isolated/);
  assert.match(there.decidedBy ?? '', /into_nn-frontend handle \d+$/);
  const back = ask('web-2', 'o-1');
  assert.equal(back.verdict, 'blocked');
  assert.match(back.reason, /networks frontend and other are isolated/);
});

test('internal network: no route out of the sandbox; a hand-made route still meets the internal drop', () => {
  const e = ask('db-1', 'outside');
  assert.equal(e.verdict, 'blocked');
  assert.match(e.reason, /no route to 203\.0\.113\.1 in sandbox db-1 \(no default route: its network backend is internal/);
  hostOps(t, [{ op: 'route.replace', family: 4, dst: 'default', gateway: '10.89.0.1', dev: { name: 'eth0' } }], '/run/netns/db-1');
  try {
    const routed = ask('db-1', '192.168.60.1:7000');
    assert.equal(routed.verdict, 'blocked');
    assert.match(routed.reason, /network backend is internal: nothing may leave it/);
    assert.match(routed.decidedBy ?? '', /^nodenet rule inet nodenet filter_forward handle \d+$/);
  } finally {
    hostOps(t, [{ op: 'route.del', family: 4, dst: 'default', gateway: '10.89.0.1', dev: { name: 'eth0' } }], '/run/netns/db-1');
  }
});

test('a masqueraded network reaches the outside; another network cannot enter an internal one', () => {
  const out = ask('web-2', '192.168.60.1:7000');
  assert.equal(out.verdict, 'reachable');
  assert.ok(out.hops.some((h) => /masquerade on the way out of up0/.test(h.text)));
  const into = ask('web-2', 'db-1');
  assert.equal(into.verdict, 'blocked');
  assert.match(into.reason, /network backend is internal: nothing from outside it may enter/);
});

test('published port: from outside, from the host (own address and 127.0.0.1) and via hairpin', () => {
  for (const [from, to] of [
    ['outside=192.168.50.2', '192.168.50.1:8080'],
    ['host', '192.168.50.1:8080'],
    ['host', '127.0.0.1:8080'],
    ['web-1', '192.168.50.1:8080'],
    ['web-2', '10.88.0.1:8080'],
  ] as const) {
    const e = ask(from, to);
    assert.equal(e.verdict, 'reachable', `${from} -> ${to}: ${e.reason}`);
    assert.ok(e.hops.some((h) => /published port 8080\/tcp of Attachment\/default\/web-1-frontend: .* -> 10\.88\.0\.2:80/.test(h.text)), `${from} -> ${to} DNAT hop`);
    assert.equal(e.hops.at(-1)!.at, 'sandbox web-1');
  }
});

test('from outside, a sandbox address itself is closed: only published ports enter', () => {
  const e = ask('outside=192.168.50.2', '10.88.0.2:80');
  assert.equal(e.verdict, 'blocked');
  assert.match(e.reason, /network frontend accepts new connections from outside only on published ports/);
});

test('hairpin to its own published port needs hairpin mode on the bridge port', () => {
  const hv = t.ledger.get('attachments', 'Attachment/default/web-1-frontend')!.hostInterface!;
  hostOps(t, [{ op: 'brport.set', ref: { name: hv }, hairpin: false }]);
  try {
    const e = ask('web-1', '192.168.50.1:8080');
    assert.equal(e.verdict, 'blocked');
    assert.match(e.reason, new RegExp(`hairpin mode is off on ${hv}`));
    assert.equal(ask('web-2', '192.168.50.1:8080').verdict, 'reachable', 'a neighbour does not need it');
  } finally {
    hostOps(t, [{ op: 'brport.set', ref: { name: hv }, hairpin: true }]);
  }
});

test('a veth taken off its bridge out of band is named', () => {
  const hv = t.ledger.get('attachments', 'Attachment/default/web-2-frontend')!.hostInterface!;
  hostOps(t, [{ op: 'link.set', ref: { name: hv }, master: null }]);
  try {
    const e = ask('web-1', 'web-2');
    assert.equal(e.verdict, 'blocked');
    assert.match(e.reason, new RegExp(`${hv} \\(Attachment/default/web-2-frontend\\) is not a port of bridge nn-frontend`));
  } finally {
    hostOps(t, [{ op: 'link.set', ref: { name: hv }, master: { name: 'nn-frontend' } }]);
  }
});

test('forwarding off on the host blocks routed traffic but not bridged traffic', () => {
  hostOps(t, [{ op: 'sysctl.set', key: 'net/ipv4/ip_forward', value: '0' }]);
  try {
    const e = ask('web-2', '192.168.60.1:7000');
    assert.equal(e.verdict, 'blocked');
    assert.equal(e.decidedBy, 'sysctl net.ipv4.conf.nn-frontend.forwarding=0');
    assert.equal(ask('web-1', 'web-2').verdict, 'reachable');
  } finally {
    hostOps(t, [{ op: 'sysctl.set', key: 'net/ipv4/ip_forward', value: '1' }]);
  }
});

test('br_netfilter off: bridged traffic skips the firewall, so ICC off is not enforced', () => {
  hostOps(t, [{ op: 'sysctl.set', key: 'net/bridge/bridge-nf-call-iptables', value: '0' }]);
  try {
    const e = ask('q-1', 'q-2');
    assert.equal(e.verdict, 'reachable');
    assert.ok(e.notes.some((n) => /enableICC: false cannot be enforced/.test(n)));
  } finally {
    hostOps(t, [{ op: 'sysctl.set', key: 'net/bridge/bridge-nf-call-iptables', value: '1' }]);
  }
});

test('rp_filter: strict drops a sender whose return route leaves by another interface, loose only one without any', () => {
  const set = (v: string): void => hostOps(t, [{ op: 'sysctl.set', key: 'net/ipv4/conf/all/rp_filter', value: v }]);
  set('1');
  try {
    // 10.91.0.50 arriving on up0: the host would answer it through nn-other.
    const strict = ask('outside=10.91.0.50@up0', '192.168.50.1:8080');
    assert.equal(strict.verdict, 'blocked');
    assert.match(strict.reason, /rp_filter \(strict\) drops it: replies to 10\.91\.0\.50 would leave through nn-other, not up0/);
    assert.equal(strict.decidedBy, 'sysctl net.ipv4.conf.up0.rp_filter=1');
    assert.equal(ask('outside=192.168.50.2', '192.168.50.1:8080').verdict, 'reachable');
    set('2');
    assert.equal(ask('outside=10.91.0.50@up0', '192.168.50.1:8080').verdict, 'reachable', 'loose mode: some route back exists');
    const none = ask('outside=10.77.0.5@up0', '192.168.50.1:8080');
    assert.equal(none.verdict, 'blocked');
    assert.match(none.reason, /rp_filter drops it: the host has no route back to 10\.77\.0\.5/);
  } finally {
    set('0');
  }
});

test('host FORWARD policy DROP: traffic flows while our compat jump is in place, is blocked without it', () => {
  const withCompat = withIptablesForward({ compatJump: true });
  assert.equal(ask('web-1', 'web-2', withCompat).verdict, 'reachable');
  assert.equal(ask('outside=192.168.50.2', '192.168.50.1:8080', withCompat).verdict, 'reachable');
  const without = withIptablesForward({ compatJump: false });
  for (const [from, to] of [['web-1', 'web-2'], ['outside=192.168.50.2', '192.168.50.1:8080'], ['web-2', '192.168.60.1:7000']] as const) {
    const e = ask(from, to, without);
    assert.equal(e.verdict, 'blocked', `${from} -> ${to}`);
    assert.equal(e.decidedBy, 'policy drop of chain ip filter FORWARD');
    assert.match(e.reason, /iptables FORWARD policy is DROP .* compat jump to NODENET-FORWARD is not in effect/);
  }
});

test('an iptables match nodenet cannot evaluate leaves the verdict open and names the rule', () => {
  const l = withIptablesForward({ compatJump: false });
  for (const r of findChain(l, 'ip', 'filter', 'FORWARD')!.rules) delete r.ipt;
  const e = ask('web-1', 'web-2', l);
  assert.equal(e.verdict, 'unknown');
  assert.equal(e.decidedBy, 'rule ip filter FORWARD handle 11');
});

test('a foreign table dropping on the forward hook wins over our accept', () => {
  const doc = fixtureJson();
  doc.nftables.push(
    { table: { family: 'inet', name: 'corp', handle: 91 } },
    { chain: { family: 'inet', table: 'corp', name: 'fwd', handle: 1, type: 'filter', hook: 'forward', prio: -10, policy: 'accept' } },
    { rule: { family: 'inet', table: 'corp', chain: 'fwd', handle: 7, expr: [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'nn-*' } }, { match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: { prefix: { addr: '192.168.60.0', len: 24 } } } }, { drop: null }] } },
  );
  const l = parseListing(JSON.stringify(doc));
  const e = ask('web-2', '192.168.60.1:7000', l);
  assert.equal(e.verdict, 'blocked');
  assert.equal(e.decidedBy, 'rule inet corp fwd handle 7');
  assert.match(e.reason, /iifname "nn-\*" ip daddr 192\.168\.60\.0\/24 drop/);
  assert.equal(ask('web-1', 'web-2', l).verdict, 'reachable', 'the rule only matches that destination');
});

test('the text form leads with the verdict and names what decides', () => {
  const text = renderExplanation(ask('db-1', 'outside'));
  const lines = text.split('\n');
  assert.equal(lines[0], 'db-1 -> outside (203.0.113.1)');
  assert.equal(lines[1], 'blocked: no route to 203.0.113.1 in sandbox db-1 (no default route: its network backend is internal, and internal networks give no default route) (see: ip -n /run/netns/db-1 route)');
  assert.match(lines[3]!, /^ {3}1\. \[BLOCKED\] sandbox db-1: no route/);
  const ok = renderExplanation(ask('web-1', 'web-2')).split('\n');
  assert.match(ok[1]!, /^reachable: same network frontend: .* \(nodenet rule inet nodenet into_nn-frontend handle \d+\)$/);
  assert.ok(ok.slice(3).every((l) => l === '' || /^ +\d+\. \[ok {5}\] /.test(l)));
});
