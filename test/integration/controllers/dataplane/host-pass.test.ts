// The pass view of the agent's namespace (one link dump for a resync): it answers like direct
// reads, including a veth's bridge-port state, and stops answering from its listing as soon as
// a change is applied there; a link someone else changed (reported by stale()) is read directly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { scratch, type Scratch } from '../../../helpers/scratch.js';
import { createKernelDataplane } from '../../../../controllers/dataplane/kernel.js';
import type { Dataplane } from '../../../../controllers/dataplane/types.js';
import { runOk } from '../../../../controllers/lib/exec.js';

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

/** Another process changing the agent's namespace: the pass hears of it only through stale(). */
async function ip(...argv: string[]): Promise<void> {
  await runOk({ argv: ['ip', ...argv] });
}

test('a link reported changed by someone else is read from the kernel; the others still from the listing', async () => {
  const pass = dp.pass!();
  const direct = dp.session();
  try {
    const v = pass.dp.session();
    const veth = v.getLink('nnvpv1')!;
    const bridge = v.getLink('nn-pv')!;
    await ip('link', 'set', 'nnvpv1', 'mtu', '1300');
    await ip('link', 'set', 'nn-pv', 'mtu', '1280');
    await ip('link', 'add', 'nnpvnew', 'type', 'bridge');
    assert.equal(v.getLink('nnvpv1')!.mtu, veth.mtu, 'unreported: still the listing (what makes the report necessary)');
    pass.stale({ index: veth.index, name: 'nnvpv1' });
    assert.equal(v.getLink('nnvpv1')!.mtu, 1300, 'by name');
    assert.equal(v.getLinkByIndex(veth.index)!.mtu, 1300, 'by index');
    assert.equal(v.getLink('nn-pv')!.mtu, bridge.mtu, 'an unreported link keeps its listed state');
    assert.equal(v.getLink('nnpvnew'), undefined, 'a new link, not reported yet');
    const created = direct.getLink('nnpvnew')!;
    pass.stale({ index: created.index, name: 'nnpvnew' });
    assert.equal(v.getLink('nnpvnew')?.index, created.index, 'a reported new link is found');
    assert.ok(v.listLinks().some((l) => l.name === 'nnpvnew'), 'a listing once links were reported reads the kernel');
    await ip('link', 'set', 'nn-pv', 'mtu', '1500');
    pass.stale();
    assert.equal(v.getLink('nn-pv')!.mtu, 1500, 'a report without a link: every read goes to the kernel');
  } finally {
    pass.end();
    await ip('link', 'del', 'nnpvnew');
  }
});

test('a renamed link reported under its new name no longer answers to its old one', async () => {
  await ip('link', 'add', 'nnpvold', 'type', 'bridge');
  const pass = dp.pass!();
  try {
    const v = pass.dp.session();
    const old = v.getLink('nnpvold')!;
    await ip('link', 'set', 'nnpvold', 'name', 'nnpvren');
    assert.equal(v.getLink('nnpvold')?.index, old.index, 'unreported: still the listing');
    pass.stale({ index: old.index, name: 'nnpvren' });
    assert.equal(v.getLink('nnpvold'), undefined);
    assert.equal(v.getLink('nnpvren')?.index, old.index);
  } finally {
    pass.end();
    await ip('link', 'del', 'nnpvren');
  }
});
