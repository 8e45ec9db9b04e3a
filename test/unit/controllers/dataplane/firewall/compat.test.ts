// iptables compat planning from `iptables -S` output: only our chain and our jump ever change.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCompat, planCompat } from '../../../../../controllers/dataplane/firewall/compat.js';

const DOCKER = `-P INPUT ACCEPT
-P FORWARD DROP
-P OUTPUT ACCEPT
-N DOCKER
-N DOCKER-USER
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A DOCKER-USER -j RETURN
`;
const OURS = `-N NODENET-FORWARD
-A FORWARD -m comment --comment nodenet -j NODENET-FORWARD
-A NODENET-FORWARD -i nn-a -m comment --comment nodenet -j ACCEPT
-A NODENET-FORWARD -o nn-a -m comment --comment nodenet -j ACCEPT
`;

describe('firewall iptables compat', () => {
  it('installs chain and jump when FORWARD drops and we have bridges', () => {
    const plan = planCompat('iptables', ['nn-a'], parseCompat(DOCKER));
    assert.equal(
      plan.restore,
      [
        '*filter',
        ':NODENET-FORWARD - [0:0]',
        '-A NODENET-FORWARD -i nn-a -m comment --comment nodenet -j ACCEPT',
        '-A NODENET-FORWARD -o nn-a -m comment --comment nodenet -j ACCEPT',
        '-I FORWARD 1 -m comment --comment nodenet -j NODENET-FORWARD',
        'COMMIT',
        '',
      ].join('\n'),
    );
    assert.equal(plan.lines[0], 'iptables -N NODENET-FORWARD');
    assert.deepEqual(plan.after.chainRules?.length, 2);
  });

  it('does nothing when chain and jump are already right', () => {
    assert.equal(planCompat('iptables', ['nn-a'], parseCompat(DOCKER + OURS)).restore, '');
  });

  it('rewrites only our chain when the bridges changed, without a second jump', () => {
    const plan = planCompat('ip6tables', ['nn-a', 'nn-b'], parseCompat(DOCKER + OURS));
    assert.ok(plan.restore.includes('-A NODENET-FORWARD -o nn-b -m comment --comment nodenet -j ACCEPT'));
    assert.ok(!plan.restore.includes('-I FORWARD'));
    assert.equal(plan.lines[0], 'ip6tables -F NODENET-FORWARD');
    assert.ok(plan.lines.every((l) => l.includes('NODENET-FORWARD')), 'no line touches anything but our chain and jump');
  });

  it('removes a duplicate jump', () => {
    const plan = planCompat('iptables', ['nn-a'], parseCompat(DOCKER + OURS + '-A FORWARD -m comment --comment nodenet -j NODENET-FORWARD\n'));
    assert.deepEqual(plan.lines, [
      'iptables -F NODENET-FORWARD',
      'iptables -A NODENET-FORWARD -i nn-a -m comment --comment nodenet -j ACCEPT',
      'iptables -A NODENET-FORWARD -o nn-a -m comment --comment nodenet -j ACCEPT',
      'iptables -D FORWARD -m comment --comment nodenet -j NODENET-FORWARD',
    ]);
  });

  it('removes chain and jump when the policy accepts or no bridge is left', () => {
    const accept = DOCKER.replace('-P FORWARD DROP', '-P FORWARD ACCEPT') + OURS;
    const expected = ['-D FORWARD -m comment --comment nodenet -j NODENET-FORWARD', '-F NODENET-FORWARD', '-X NODENET-FORWARD'];
    assert.deepEqual(planCompat('iptables', ['nn-a'], parseCompat(accept)).lines, expected.map((l) => `iptables ${l}`));
    assert.deepEqual(planCompat('iptables', [], parseCompat(DOCKER + OURS)).lines, expected.map((l) => `iptables ${l}`));
  });

  it('does nothing on a host with an accepting FORWARD and nothing of ours, or without the binary', () => {
    assert.equal(planCompat('iptables', ['nn-a'], parseCompat('-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n')).restore, '');
    assert.equal(planCompat('iptables', ['nn-a'], { available: false, policyDrop: true, chainRules: undefined, jumps: 0 }).restore, '');
  });

  it('never counts a foreign rule as ours', () => {
    const s = parseCompat(DOCKER + '-A FORWARD -m comment --comment nodenet-other -j NODENET-FORWARD2\n-N NODENET-FORWARD2\n');
    assert.equal(s.jumps, 0);
    assert.equal(s.chainRules, undefined);
  });
});
