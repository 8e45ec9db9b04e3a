// The pass view of the agent's namespace (one link dump for a resync): it answers like direct
// reads, including a veth's bridge-port state, and stops answering from its listing as soon as
// a change is applied there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { scratch, type Scratch } from '../../../helpers/scratch.js';
import { createKernelDataplane } from '../../../../controllers/dataplane/kernel.js';
import type { Dataplane } from '../../../../controllers/dataplane/types.js';

let s: Scratch;
let dp: Dataplane;

before(async () => {
  s = await scratch();
  dp = createKernelDataplane();
  dp.session().apply([
    { op: 'link.add', link: { kind: 'bridge', name: 'nn-pv', alias: 'nodenet:Network/pv' } },
    { op: 'link.add', link: { kind: 'veth', name: 'nnvpv1', alias: 'nodenet:x', peer: { name: 'nnvpv1p' } } },
    { op: 'link.set', ref: { name: 'nnvpv1' }, master: { name: 'nn-pv' }, up: true },
    { op: 'brport.set', ref: { name: 'nnvpv1' }, hairpin: true },
  ]);
});

after(async () => {
  await s.cleanup();
});

test('reads in a pass equal direct reads, bridge-port state included', () => {
  const direct = dp.session();
  const pass = dp.pass!();
  try {
    const v = pass.dp.session();
    for (const name of ['nn-pv', 'nnvpv1', 'nnvpv1p', 'lo', 'absent0', 'bad name']) assert.deepEqual(v.getLink(name), direct.getLink(name), name);
    const veth = direct.getLink('nnvpv1')!;
    assert.deepEqual(v.getBridgePort(veth.index), { index: veth.index, hairpin: true });
    assert.deepEqual(v.getBridgePort(veth.index), direct.getBridgePort(veth.index));
    assert.deepEqual(v.getLinkByIndex(veth.index), direct.getLinkByIndex(veth.index));
    assert.deepEqual(v.listLinks().map((l) => l.name).sort(), direct.listLinks().map((l) => l.name).sort());
  } finally {
    pass.end();
  }
});

test('a change applied in the pass is seen by the next read', () => {
  const pass = dp.pass!();
  try {
    const v = pass.dp.session();
    assert.equal(v.getLink('nnvpv1')!.mtu, 1500);
    v.apply([{ op: 'link.set', ref: { name: 'nnvpv1' }, mtu: 1400 }]);
    assert.equal(v.getLink('nnvpv1')!.mtu, 1400);
    v.apply([{ op: 'brport.set', ref: { name: 'nnvpv1' }, hairpin: false }]);
    assert.equal(v.getBridgePort(v.getLink('nnvpv1')!.index)!.hairpin, false);
  } finally {
    pass.end();
  }
});
