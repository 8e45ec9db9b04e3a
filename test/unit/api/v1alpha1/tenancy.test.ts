// spec.allowedNamespaces: the pure decision (mayJoin), its default and the deny-unlisted policy,
// and the same decision inside the cross-object check both modes run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TENANCY, mayJoin } from '../../../../api/v1alpha1/tenancy.js';
import { validateCrossObject } from '../../../../api/v1alpha1/validate.js';
import { attachment, network } from './fixtures.js';

const req = (allowedNamespaces: string[] | undefined, namespace: string): Parameters<typeof mayJoin>[0] => ({ network: 'front', allowedNamespaces, namespace });

test('unset admits every namespace by default', () => {
  assert.equal(DEFAULT_TENANCY.whenUnset, 'allow');
  assert.deepEqual(mayJoin(req(undefined, 'team-a')), { allowed: true });
  assert.deepEqual(mayJoin(req(undefined, 'default')), { allowed: true });
});

test('a list admits exactly the namespaces it names', () => {
  assert.deepEqual(mayJoin(req(['default', 'team-a'], 'team-a')), { allowed: true });
  const d = mayJoin(req(['default', 'team-a'], 'team-b'));
  assert.deepEqual(d, { allowed: false, reason: 'NamespaceNotAllowed', message: 'namespace team-b may not join Network front (allowedNamespaces: default, team-a)' });
  // Exact strings: no prefixes, no case folding, no patterns.
  for (const ns of ['team', 'team-a2', 'Team-a', 'team-a ']) assert.equal(mayJoin(req(['team-a'], ns)).allowed, false, ns);
});

test('an empty list closes the network', () => {
  const d = mayJoin(req([], 'default'));
  assert.equal(d.allowed, false);
  assert.match((d as { message: string }).message, /allowedNamespaces is empty: the network is closed/);
});

test('policy deny: a Network without a list admits nobody; a list still admits its names', () => {
  const d = mayJoin(req(undefined, 'default'), { whenUnset: 'deny' });
  assert.equal(d.allowed, false);
  assert.match((d as { message: string }).message, /sets no allowedNamespaces and this agent admits only listed namespaces/);
  assert.deepEqual(mayJoin(req(['default'], 'default'), { whenUnset: 'deny' }), { allowed: true });
});

test('a namespace that is not a DNS label is refused whatever the list says (total function)', () => {
  for (const ns of ['', '../x', 'a/b', 'A', 'x'.repeat(64), 'a\nb', '*']) {
    assert.equal(mayJoin(req(undefined, ns)).allowed, false, JSON.stringify(ns));
    assert.equal(mayJoin(req([ns], ns)).allowed, false, JSON.stringify(ns));
  }
  assert.equal(mayJoin(req('default' as unknown as string[], 'default')).allowed, false, 'a list that is not a list admits nobody');
});

test('cross-object: the loser names the network and the rule; the policy is passed through', () => {
  const inTeam = (name: string, ns: string): ReturnType<typeof attachment> => {
    const a = attachment(name, { sandbox: 'web', network: 'front' });
    a.metadata.namespace = ns;
    return a;
  };
  const open = network('front', '10.88.0.0/24');
  const listed = network('front', '10.88.0.0/24', { allowedNamespaces: ['team-a'] });
  assert.deepEqual(validateCrossObject([open, inTeam('a', 'team-b')]), []);
  const losers = validateCrossObject([listed, inTeam('a', 'team-a'), inTeam('b', 'team-b')]);
  assert.deepEqual(
    losers.map((l) => [l.key, l.errors]),
    [['Attachment/team-b/b', [{ path: 'spec.network', message: 'namespace team-b may not join Network front (allowedNamespaces: team-a)' }]]],
  );
  const denied = validateCrossObject([open, inTeam('a', 'team-b')], { tenancy: { whenUnset: 'deny' } });
  assert.equal(denied.length, 1);
  assert.equal(denied[0]!.errors[0]!.path, 'spec.network');
});
