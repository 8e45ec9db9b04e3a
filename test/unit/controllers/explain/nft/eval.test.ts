// The nft evaluator on small hand-written chains: jumps and returns, gotos, verdict maps (named
// and anonymous), interval sets, wildcards, NAT maps, and undecidable matches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListing } from '../../../../../controllers/explain/nft/listing.js';
import { evalFilterHook, evalNatHook } from '../../../../../controllers/explain/nft/hooks.js';
import type { Packet } from '../../../../../controllers/explain/nft/packet.js';

type J = Record<string, unknown>;
const m = (key: string, op: string, right: unknown): J => ({ match: { op, left: { meta: { key } }, right } });
const ip = (field: string, op: string, right: unknown): J => ({ match: { op, left: { payload: { protocol: 'ip', field } }, right } });

function listing(items: J[]): ReturnType<typeof parseListing> {
  return parseListing(JSON.stringify({ nftables: items }));
}
const chain = (name: string, base?: J): J => ({ chain: { family: 'inet', table: 't', name, handle: 1, ...(base ?? {}) } });
const fwd = (policy: string, prio = 0): J => ({ type: 'filter', hook: 'forward', prio, policy });
let handle = 10;
const rule = (c: string, expr: J[]): J => ({ rule: { family: 'inet', table: 't', chain: c, handle: handle++, expr } });

const pkt = (over: Partial<Packet> = {}): Packet => ({ family: 4, iif: 'br-a', oif: 'eth0', saddr: '10.1.0.2', daddr: '198.51.100.7', proto: 'tcp', sport: 40000, dport: 443, ct: { state: 'new', dnat: false, snat: false }, ...over });

test('jump returns into the caller; goto does not; the base policy ends it', () => {
  const l = listing([
    chain('f', fwd('drop')),
    chain('sub'),
    chain('gone'),
    rule('f', [m('iifname', '==', 'br-a'), { jump: { target: 'sub' } }]),
    rule('f', [ip('daddr', '==', { prefix: { addr: '198.51.100.0', len: 24 } }), { accept: null }]),
    rule('sub', [m('oifname', '==', 'eth9'), { accept: null }]),
    rule('sub', [{ return: null }]),
    rule('f', [{ goto: { target: 'gone' } }]),
    rule('gone', [{ accept: null }]),
  ]);
  const r = evalFilterHook(l, 'forward', pkt());
  assert.equal(r.verdict, 'accept');
  assert.equal(r.accepted[0]!.rule!.handle, 11, 'the rule after the jump accepted');
  const other = evalFilterHook(l, 'forward', pkt({ daddr: '203.0.113.1' }));
  assert.equal(other.verdict, 'accept', 'goto gone: accept');
  assert.equal(other.accepted[0]!.chain.name, 'gone');
});

test('a drop in any chain of the hook is final; accept only ends its own chain', () => {
  const l = listing([chain('a', fwd('accept', -10)), chain('b', fwd('drop', 10)), rule('a', [{ accept: null }])]);
  const r = evalFilterHook(l, 'forward', pkt());
  assert.equal(r.verdict, 'drop');
  assert.equal(r.by!.chain.name, 'b');
  assert.equal(r.by!.rule, undefined, 'its policy');
});

test('verdict maps: anonymous and named, with ifname wildcards and interval sets', () => {
  const l = listing([
    chain('f', fwd('accept')),
    chain('to-a'),
    { set: { family: 'inet', table: 't', name: 'nets', type: 'ipv4_addr', handle: 2, flags: ['interval'], elem: [{ prefix: { addr: '198.51.100.0', len: 24 } }, { range: ['192.0.2.10', '192.0.2.20'] }] } },
    { map: { family: 'inet', table: 't', name: 'vm', type: 'ifname', handle: 3, map: 'verdict', elem: [['eth0', { jump: { target: 'to-a' } }]] } },
    rule('f', [{ vmap: { key: { meta: { key: 'oifname' } }, data: '@vm' } }]),
    rule('to-a', [ip('daddr', '==', '@nets'), m('iifname', '==', 'br-*'), { drop: null }]),
    rule('f', [{ vmap: { key: { meta: { key: 'iifname' } }, data: { set: [['br-z', { drop: null }]] } } }]),
  ]);
  assert.equal(evalFilterHook(l, 'forward', pkt()).verdict, 'drop', 'interval prefix and wildcard match');
  assert.equal(evalFilterHook(l, 'forward', pkt({ daddr: '192.0.2.15' })).verdict, 'drop', 'range element');
  assert.equal(evalFilterHook(l, 'forward', pkt({ daddr: '192.0.2.21' })).verdict, 'accept');
  assert.equal(evalFilterHook(l, 'forward', pkt({ oif: 'eth1', iif: 'br-z' })).verdict, 'drop', 'anonymous vmap');
});

test('an undecidable match forks: same end on both sides stands, different ends are unknown', () => {
  const l = listing([chain('f', fwd('drop')), rule('f', [{ match: { op: '==', left: { meta: { key: 'skuid' } }, right: 0 } }, { accept: null }]), rule('f', [m('iifname', '==', 'br-a'), { accept: null }])]);
  assert.equal(evalFilterHook(l, 'forward', pkt()).verdict, 'accept', 'accepted either way');
  const r = evalFilterHook(l, 'forward', pkt({ iif: 'br-b' }));
  assert.equal(r.verdict, 'unknown');
  assert.equal(r.by!.rule!.expr.length, 2);
});

test('an IPv4 field never matches an IPv6 packet, whatever the operator; th needs a port protocol', () => {
  const l = listing([chain('f', fwd('accept')), rule('f', [ip('saddr', '!=', '10.9.9.9'), { drop: null }]), rule('f', [{ match: { op: '==', left: { payload: { protocol: 'th', field: 'dport' } }, right: 443 } }, { drop: null }])]);
  assert.equal(evalFilterHook(l, 'forward', pkt({ family: 6, saddr: 'fd00::2', daddr: 'fd00::3', proto: 'icmpv6', sport: undefined, dport: undefined })).verdict, 'accept');
  assert.equal(evalFilterHook(l, 'forward', pkt()).verdict, 'drop');
});

test('NAT: a dnat through a concatenated map, the first translating chain wins, replies skip NAT', () => {
  const l = listing([
    chain('pre', { type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' }),
    chain('pre2', { type: 'nat', hook: 'prerouting', prio: 0, policy: 'accept' }),
    { map: { family: 'inet', table: 't', name: 'pm', type: ['inet_proto', 'inet_service'], handle: 4, map: 'ipv4_addr . inet_service', elem: [[{ concat: ['tcp', 8080] }, { concat: ['10.1.0.5', 80] }]] } },
    rule('pre', [{ dnat: { family: 'ip', addr: { map: { key: { concat: [{ meta: { key: 'l4proto' } }, { payload: { protocol: 'th', field: 'dport' } }] }, data: '@pm' } } } }]),
    rule('pre2', [{ dnat: { family: 'ip', addr: '10.9.9.9', port: 1 } }]),
  ]);
  const r = evalNatHook(l, 'prerouting', pkt({ dport: 8080 }));
  assert.deepEqual(r.nat?.dnat, { addr: '10.1.0.5', port: 80 });
  assert.deepEqual(evalNatHook(l, 'prerouting', pkt({ dport: 8081 })).nat?.dnat, { addr: '10.9.9.9', port: 1 }, 'no map entry: the next chain');
  assert.equal(evalNatHook(l, 'prerouting', pkt({ dport: 8080, ct: { state: 'established', dnat: false, snat: false } })).nat, undefined);
});
