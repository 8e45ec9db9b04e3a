// The planner: what a change of the model turns into, against a kernel that holds the previous model.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asKernel, planNft } from '../../../../../controllers/dataplane/firewall/plan.js';
import { desiredRuleset } from '../../../../../controllers/dataplane/firewall/render.js';
import type { FwModel } from '../../../../../controllers/dataplane/firewall/types.js';
import { network, port, twoNetworks } from './models.js';

/** The commands that turn a kernel holding `from` into `to`. */
function commands(from: FwModel, to: FwModel): string[] {
  return planNft(desiredRuleset(to), asKernel(desiredRuleset(from))).commands;
}

const isElementOp = (c: string): boolean => /^(add|delete) element inet nodenet \w+ \{ .* \}$/.test(c);

describe('firewall plan', () => {
  it('plans nothing when the kernel already matches', () => {
    const plan = planNft(desiredRuleset(twoNetworks()), asKernel(desiredRuleset(twoNetworks())));
    assert.deepEqual(plan.commands, []);
    assert.equal(plan.changes, 0);
  });

  it('creates the whole table when it does not exist', () => {
    const plan = planNft(desiredRuleset(twoNetworks()), null);
    assert.equal(plan.commands[0], 'add table inet nodenet');
    assert.ok(plan.commands.includes('add chain inet nodenet filter_forward { type filter hook forward priority filter; policy accept; }'));
    assert.ok(plan.commands.includes('add element inet nodenet dnat4_any { tcp . 8080 : 10.88.0.10 . 80, udp . 5353 : 10.89.0.5 . 53 }'));
    // Every chain is declared before the first rule (the forward verdict map jumps to per-network chains).
    const firstRule = plan.commands.findIndex((c) => c.startsWith('add rule'));
    const lastChain = plan.commands.map((c) => c.startsWith('add chain')).lastIndexOf(true);
    assert.ok(lastChain < firstRule);
  });

  it('adds a port with element additions only', () => {
    const to = twoNetworks();
    to.ports.push(port('nn-frontend', 8081, '10.88.0.11'));
    assert.deepEqual(commands(twoNetworks(), to), [
      'add element inet nodenet dnat4_any { tcp . 8081 : 10.88.0.11 . 80 }',
      'add element inet nodenet published4 { 10.88.0.11 . tcp . 80 }',
    ]);
  });

  it('retargets a port (container IP changed) with delete element + add element', () => {
    const to = twoNetworks();
    to.ports[0]!.containerIP = '10.88.0.12';
    assert.deepEqual(commands(twoNetworks(), to), [
      'delete element inet nodenet dnat4_any { tcp . 8080 }',
      'add element inet nodenet dnat4_any { tcp . 8080 : 10.88.0.12 . 80 }',
      'delete element inet nodenet published4 { 10.88.0.10 . tcp . 80 }',
      'add element inet nodenet published4 { 10.88.0.12 . tcp . 80 }',
    ]);
  });

  it('removes a port with element deletions only, keeping a target another port still uses', () => {
    const from = twoNetworks();
    from.ports.push(port('nn-frontend', 8090, '10.88.0.10'));
    const cmds = commands(from, twoNetworks());
    assert.deepEqual(cmds, ['delete element inet nodenet dnat4_any { tcp . 8090 }']);
  });

  it('moves a port between "every address" and one address as element operations', () => {
    const to = twoNetworks();
    to.ports[0]!.hostIP = '192.0.2.1';
    const cmds = commands(twoNetworks(), to);
    assert.ok(cmds.every(isElementOp), cmds.join('\n'));
    assert.deepEqual(cmds, [
      'delete element inet nodenet dnat4_any { tcp . 8080 }',
      'add element inet nodenet dnat4_addr { 192.0.2.1 . tcp . 8080 : 10.88.0.10 . 80 }',
    ]);
  });

  it('adds a network: its chain, its rules, the forward verdict map and set elements', () => {
    const to = twoNetworks();
    to.networks.push(network('extra', ['10.99.0.0/24'], { icc: false }));
    const cmds = commands(twoNetworks(), to);
    assert.ok(cmds.includes('flush chain inet nodenet filter_forward'));
    assert.ok(cmds.includes('flush chain inet nodenet nat_postrouting'));
    assert.ok(cmds.includes('add chain inet nodenet into_nn-extra'));
    assert.ok(cmds.some((c) => c.startsWith('add rule inet nodenet into_nn-extra iifname "nn-extra" drop comment')));
    assert.ok(cmds.some((c) => c.startsWith('add rule inet nodenet filter_forward oifname vmap {') && c.includes('"nn-extra" : jump into_nn-extra')));
    assert.ok(cmds.some((c) => c.startsWith('add rule inet nodenet nat_postrouting ip saddr 10.99.0.0/24 oifname != "nn-extra" masquerade')));
    assert.ok(cmds.includes('add element inet nodenet bridges { "nn-extra" }'));
    assert.ok(cmds.includes('add element inet nodenet isolated { "nn-extra" }'));
    // Chains untouched by the change are not rewritten.
    const touched = (chain: string): boolean => cmds.some((c) => c.startsWith(`add rule inet nodenet ${chain} `) || c === `flush chain inet nodenet ${chain}`);
    assert.equal(touched('into_nn-frontend'), false);
    assert.equal(touched('nat_prerouting'), false);
  });

  it('removes a network: flushes the jumping chain before deleting the per-network chain', () => {
    const from = twoNetworks();
    from.networks.push(network('extra', ['10.99.0.0/24']));
    const cmds = commands(from, twoNetworks());
    const flush = cmds.indexOf('flush chain inet nodenet filter_forward');
    const del = cmds.indexOf('delete chain inet nodenet into_nn-extra');
    assert.ok(flush >= 0 && del > flush, cmds.join('\n'));
    assert.ok(cmds.includes('flush chain inet nodenet into_nn-extra'));
    assert.ok(cmds.includes('delete element inet nodenet bridges { "nn-extra" }'));
  });

  it('refills a chain whose rules were changed behind our back', () => {
    const kernel = asKernel(desiredRuleset(twoNetworks()));
    kernel.chains.get('filter_input')!.ruleIds = [undefined];
    const cmds = planNft(desiredRuleset(twoNetworks()), kernel).commands;
    assert.equal(cmds[0], 'flush chain inet nodenet filter_input');
    assert.equal(cmds.length, 2);
    assert.match(cmds[1]!, /^add rule inet nodenet filter_input iifname @bridges ip daddr 127\.0\.0\.0\/8 /);
  });

  it('starts a set over when it holds an element we cannot read back', () => {
    const kernel = asKernel(desiredRuleset(twoNetworks()));
    kernel.sets.get('bridges')!.elements = undefined;
    const cmds = planNft(desiredRuleset(twoNetworks()), kernel).commands;
    assert.deepEqual(cmds, ['flush set inet nodenet bridges', 'add element inet nodenet bridges { "nn-backend", "nn-frontend" }']);
  });

  it('rebuilds the table in one transaction when it holds objects we do not manage', () => {
    const kernel = asKernel(desiredRuleset(twoNetworks()));
    kernel.foreign.push('counter x');
    const plan = planNft(desiredRuleset(twoNetworks()), kernel);
    assert.equal(plan.rebuild, true);
    assert.deepEqual(plan.commands.slice(0, 2), ['delete table inet nodenet', 'add table inet nodenet']);
  });

  it('rebuilds when a base chain has another priority or a chain has a name we never use', () => {
    const k1 = asKernel(desiredRuleset(twoNetworks()));
    k1.chains.get('nat_prerouting')!.base!.prio = -150;
    assert.equal(planNft(desiredRuleset(twoNetworks()), k1).rebuild, true);
    const k2 = asKernel(desiredRuleset(twoNetworks()));
    k2.chains.set('drop', { name: 'drop', ruleIds: [] });
    assert.equal(planNft(desiredRuleset(twoNetworks()), k2).rebuild, true);
  });

  it('counts every element as a change', () => {
    const to = twoNetworks();
    for (let i = 0; i < 10; i++) to.ports.push(port('nn-frontend', 10000 + i, `10.88.0.${100 + i}`));
    const plan = planNft(desiredRuleset(to), asKernel(desiredRuleset(twoNetworks())));
    assert.equal(plan.changes, 20);
    assert.equal(plan.commands.length, 2, 'elements of one set share one command line');
  });
});
