// Kernel-op validation against hostile values that once passed: names the kernel reserves for its
// conf/all and conf/default sysctl directories, and modes named like Object.prototype members
// ("toString" in modes is true for a plain object).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ifNameProblem, opProblem } from '../../../../controllers/dataplane/validate.js';
import type { KernelOp } from '../../../../controllers/dataplane/types.js';

test('"all" and "default" are not interface names (they would alias conf/all and conf/default)', () => {
  for (const name of ['all', 'default']) {
    assert.match(ifNameProblem(name)!, /invalid interface name/);
    assert.ok(opProblem({ op: 'link.add', link: { kind: 'bridge', name } }));
    assert.ok(opProblem({ op: 'link.set', ref: { name: 'eth0' }, name }));
  }
  assert.equal(ifNameProblem('allx'), undefined);
  assert.equal(ifNameProblem('defaults'), undefined);
});

test('macvlan/ipvlan modes are own keys of the mode table, never inherited properties', () => {
  for (const mode of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    const mv: KernelOp = { op: 'link.add', link: { kind: 'macvlan', name: 'mv0', parent: { name: 'eth0' }, mode } };
    const iv: KernelOp = { op: 'link.add', link: { kind: 'ipvlan', name: 'iv0', parent: { name: 'eth0' }, mode } };
    assert.match(opProblem(mv)!, /unknown macvlan mode/, mode);
    assert.match(opProblem(iv)!, /unknown ipvlan mode/, mode);
  }
  assert.equal(opProblem({ op: 'link.add', link: { kind: 'macvlan', name: 'mv0', parent: { name: 'eth0' }, mode: 'bridge' } }), undefined);
});

test('problem texts quote values, so a newline in a value cannot forge a second log or status line', () => {
  const p = ifNameProblem('a\nb')!;
  assert.ok(!p.includes('\n'), p);
  assert.match(opProblem({ op: 'netns.add', path: 'x\n/y' })!, /"x\\n\/y"/);
});
