// Host conflicts from listings: the captured ruleset (our table only), plus the iptables FORWARD
// chain as iptables-nft lists it, plus foreign nft tables; and the node report's condition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostConflicts, type HostFacts } from '../../../../controllers/hostcheck/conflicts.js';
import { nextNodeStatus } from '../../../../controllers/hostcheck/node-status.js';
import { compatOwned } from '../../../../controllers/hostcheck/checker.js';
import { findChain, parseListing, type Listing } from '../../../../controllers/explain/nft/listing.js';
import type { FwNetwork } from '../../../../controllers/dataplane/firewall/types.js';
import { fixtureJson, fixtureListing, withIptablesForward } from '../explain/world.js';

const NETS: FwNetwork[] = [
  { name: 'frontend', bridge: 'nn-frontend', subnets: ['10.88.0.0/24'], internal: false, masquerade: true, icc: true, isolation: true },
  { name: 'backend', bridge: 'nn-backend', subnets: ['10.89.0.0/24'], internal: true, masquerade: false, icc: true, isolation: true },
];

function facts(listing: Listing, sysctls: Record<string, string> = {}): HostFacts {
  const all: Record<string, string> = { 'net/ipv4/ip_forward': '1', 'net/bridge/bridge-nf-call-iptables': '1', ...sysctls };
  return { listing, sysctl: (k) => all[k], networks: NETS, uplink: 'eth0' };
}

test('a clean host (only our table) has no conflicts', () => {
  assert.deepEqual(hostConflicts(facts(fixtureListing())), { conflicts: [], undecided: [] });
});

test('forwarding off is a conflict while a non-internal network exists', () => {
  const r = hostConflicts(facts(fixtureListing(), { 'net/ipv4/ip_forward': '0' }));
  assert.deepEqual(r.conflicts.map((c) => [c.reason, c.decidedBy]), [['IpForwardOff', 'sysctl net.ipv4.ip_forward=0']]);
  assert.match(r.conflicts[0]!.fix, /sysctl -w net\.ipv4\.ip_forward=1/);
  const internalOnly = hostConflicts({ ...facts(fixtureListing(), { 'net/ipv4/ip_forward': '0' }), networks: [NETS[1]!] });
  assert.deepEqual(internalOnly.conflicts, []);
});

test('FORWARD policy DROP: none while our compat jump is in effect, a conflict with the fix without it', () => {
  assert.deepEqual(hostConflicts(facts(withIptablesForward({ compatJump: true }))).conflicts, []);
  const r = hostConflicts(facts(withIptablesForward({ compatJump: false })));
  assert.deepEqual(r.conflicts.map((c) => [c.reason, c.decidedBy, c.message]), [
    [
      'ForwardPolicyDrop',
      'policy drop of chain ip filter FORWARD',
      'the iptables FORWARD policy is DROP and no rule accepts traffic between sandboxes of nn-frontend, traffic from nn-frontend to the outside, published ports of nn-frontend, traffic between sandboxes of nn-backend',
    ],
  ]);
  assert.match(r.conflicts[0]!.fix, /NODENET-FORWARD.*iptables -I FORWARD -i nn-frontend -j ACCEPT; iptables -I FORWARD -o nn-frontend -j ACCEPT; iptables -I FORWARD -i nn-backend/);
});

test('a foreign DROP rule: bridged traffic (br_netfilter) and routed traffic are told apart', () => {
  const r = hostConflicts(facts(withIptablesForward({ compatJump: false, dropIn: 'nn-frontend' })));
  const reasons = new Set(r.conflicts.filter((c) => c.decidedBy === 'rule ip filter FORWARD handle 12').map((c) => c.reason));
  assert.deepEqual([...reasons].sort(), ['BrNetfilterForeignDrop', 'ForeignDropRule']);
  const brnf = r.conflicts.find((c) => c.reason === 'BrNetfilterForeignDrop')!;
  assert.equal(brnf.message, 'br_netfilter (net.bridge.bridge-nf-call-iptables=1) passes traffic between sandboxes of nn-frontend through the forward hook, where "-A FORWARD -i nn-frontend -j DROP" in ip filter FORWARD (forward hook, priority 0) drops it');
  assert.equal(r.conflicts.find((c) => c.reason === 'ForeignDropRule')!.message, '"-A FORWARD -i nn-frontend -j DROP" in ip filter FORWARD (forward hook, priority 0) drops traffic from nn-frontend to the outside');
  assert.match(brnf.fix, /bridge-nf-call-iptables=0/);
  const off = hostConflicts(facts(withIptablesForward({ compatJump: true, dropIn: 'nn-frontend' }), { 'net/bridge/bridge-nf-call-iptables': '0' }));
  assert.ok(!off.conflicts.some((c) => c.reason === 'BrNetfilterForeignDrop'), 'without br_netfilter bridged traffic never meets the rule');
  assert.ok(!off.conflicts.some((c) => c.reason === 'ForeignDropRule'), 'our compat jump comes first and accepts');
});

test('another table dropping on the forward hook is reported with its priority', () => {
  const doc = fixtureJson();
  doc.nftables.push(
    { table: { family: 'inet', name: 'corp', handle: 91 } },
    { chain: { family: 'inet', table: 'corp', name: 'fwd', handle: 1, type: 'filter', hook: 'forward', prio: -10, policy: 'drop' } },
    { rule: { family: 'inet', table: 'corp', chain: 'fwd', handle: 4, expr: [{ match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'eth0' } }, { accept: null }] } },
  );
  const r = hostConflicts(facts(parseListing(JSON.stringify(doc))));
  assert.deepEqual(r.conflicts.map((c) => [c.reason, c.message]), [
    ['BrNetfilterForeignDrop', 'br_netfilter (net.bridge.bridge-nf-call-iptables=1) passes traffic between sandboxes of nn-frontend, traffic between sandboxes of nn-backend through the forward hook, where "policy drop" in inet corp fwd (forward hook, priority -10) drops it'],
    ['ForeignTableDrop', 'table inet corp chain fwd (forward hook, priority -10) drops published ports of nn-frontend: policy drop'],
  ]);
  assert.ok(r.conflicts.every((c) => c.decidedBy === 'policy drop of chain inet corp fwd'));
  assert.ok(!r.conflicts.some((c) => /to the outside/.test(c.message)), 'traffic to eth0 is accepted there');
});

test('a match that cannot be evaluated is listed as undecided, not as a conflict', () => {
  const l = withIptablesForward({ compatJump: false });
  for (const rr of findChain(l, 'ip', 'filter', 'FORWARD')!.rules) delete rr.ipt;
  const r = hostConflicts(facts(l));
  assert.deepEqual(r.conflicts, []);
  assert.ok(r.undecided.some((u) => u.startsWith('rule ip filter FORWARD handle 11')));
});

test('the node report: HostCompatible flips with its lastTransitionTime, fixes in the message', () => {
  const bad = hostConflicts(facts(withIptablesForward({ compatJump: false })));
  const s1 = nextNodeStatus({ prev: undefined, node: 'n1', result: bad, owned: undefined, now: '2025-01-01T00:00:00Z' });
  assert.equal(s1.status.conditions[0]!.status, 'False');
  assert.equal(s1.status.conditions[0]!.reason, 'ForwardPolicyDrop');
  assert.match(s1.status.conditions[0]!.message, /fix: /);
  const s2 = nextNodeStatus({ prev: s1, node: 'n1', result: bad, owned: undefined, now: '2025-01-01T00:01:00Z' });
  assert.equal(s2.status.conditions[0]!.lastTransitionTime, '2025-01-01T00:00:00Z');
  const s3 = nextNodeStatus({ prev: s2, node: 'n1', result: { conflicts: [], undecided: [] }, owned: undefined, now: '2025-01-01T00:02:00Z' });
  assert.deepEqual([s3.status.conditions[0]!.status, s3.status.conditions[0]!.reason, s3.status.conditions[0]!.lastTransitionTime], ['True', 'NoConflicts', '2025-01-01T00:02:00Z']);
});

test('the node owns the compat chain and its jump, as iptables prints them', () => {
  const l = withIptablesForward({ compatJump: true });
  for (const c of l.chains.filter((x) => x.name === 'NODENET-FORWARD')) c.rules.forEach((r, i) => (r.ipt = `-A NODENET-FORWARD rule ${i}`));
  const o = compatOwned(l);
  assert.equal(o.length, 1);
  assert.equal(o[0]!.rules[0], '-A FORWARD -m comment --comment nodenet -j NODENET-FORWARD');
  assert.equal(o[0]!.rules.length, 1 + 8);
  assert.deepEqual(compatOwned(fixtureListing()), []);
});
