// Rebuilding the ledger from the (fake) kernel: what the agent made is found again by its
// markers, the veth pairs and the addresses configured on the sandbox ends; one address on two
// attachments refuses; a veth whose sandbox end cannot be found is reported for removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleObjects, startTestAgent } from '../../../helpers/engine.js';
import { rebuildLedger, RebuildRefusedError } from '../../../../controllers/state/rebuild.js';
import { loadLedger } from '../../../../controllers/state/load.js';
import { hostVethName } from '../../../../controllers/model/names.js';
import { setLogSink } from '../../../../controllers/lib/log.js';

setLogSink(() => undefined);

test('the rebuilt ledger equals the one the agent wrote (aliases aside)', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    const want = t.ledger.snapshot();
    const got = rebuildLedger({ dp: t.dp, netnsPaths: t.dp.listNetns('/run/netns') });
    assert.deepEqual(got.orphans, []);
    assert.deepEqual(got.extraAddresses, []);
    assert.deepEqual(got.data.networks, want.networks);
    assert.deepEqual(got.data.sandboxes, want.sandboxes);
    assert.deepEqual(got.data.allocations, want.allocations);
    for (const rec of Object.values(want.attachments)) delete rec.aliases;
    assert.deepEqual(got.data.attachments, want.attachments);
  } finally {
    await t.stop();
  }
});

test('one address on two attachments of a network: refused, naming both', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    const ip = t.ledger.get('attachments', 'Attachment/default/web-1-frontend')!.ipv4!;
    const own = t.ledger.get('attachments', 'Attachment/default/web-2-frontend')!.ipv4!;
    const [addr, len] = own.split('/');
    t.dp.outOfBand('/run/netns/web-2', [
      { op: 'addr.del', ref: { name: 'eth0' }, family: 4, address: addr!, prefixLen: Number(len) },
      { op: 'addr.add', ref: { name: 'eth0' }, family: 4, address: ip.split('/')[0]!, prefixLen: 24 },
    ]);
    assert.throws(() => rebuildLedger({ dp: t.dp, netnsPaths: t.dp.listNetns('/run/netns') }), (e: unknown) => {
      assert.ok(e instanceof RebuildRefusedError);
      assert.match(e.message, new RegExp(`${ip.split('/')[0]!.replace(/\./g, '\\.')} on network frontend is configured on both Attachment/default/web-[12]-frontend and Attachment/default/web-[12]-frontend`));
      return true;
    });
  } finally {
    await t.stop();
  }
});

test('extra addresses are listed for removal; a veth whose sandbox end is nowhere is an orphan', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    t.dp.outOfBand('/run/netns/web-2', [{ op: 'addr.add', ref: { name: 'eth0' }, family: 4, address: '10.88.0.99', prefixLen: 24 }]);
    const got = rebuildLedger({ dp: t.dp, netnsPaths: t.dp.listNetns('/run/netns').filter((p) => !p.endsWith('/db-1')) });
    assert.deepEqual(got.extraAddresses.map((x) => `${x.address}/${x.prefixLen} ${x.owner}`), ['10.88.0.99/24 Attachment/default/web-2-frontend']);
    assert.deepEqual(got.orphans.map((o) => `${o.name}: ${o.why}`), [`${hostVethName('Attachment/default/db-1-backend')}: its sandbox end is in no namespace we can find`]);
    assert.equal(got.data.allocations.backend?.['10.89.0.10'], undefined);
    // Found through the extra search paths (an adopted namespace elsewhere), it is attributed.
    const more = rebuildLedger({ dp: t.dp, netnsPaths: t.dp.listNetns('/run/netns').filter((p) => !p.endsWith('/db-1')), morePaths: () => ['/run/netns/db-1'] });
    assert.deepEqual(more.orphans, []);
    assert.equal(more.data.allocations.backend?.['10.89.0.10'], 'Attachment/default/db-1-backend');
    assert.equal(more.data.sandboxes['Sandbox/default/db-1'], undefined, 'not recorded as created: it was not in the netns dir');
  } finally {
    await t.stop();
  }
});

test('loadLedger: corrupt -> rebuilt and saved, extras removed; missing with our objects -> rebuilt; missing on a clean node -> empty', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    const dir = mkdtempSync(join(tmpdir(), 'nodenet-load-'));
    writeFileSync(join(dir, 'state.json'), '{"version":1,"netw');
    t.dp.outOfBand('/run/netns/web-2', [{ op: 'addr.add', ref: { name: 'eth0' }, family: 4, address: '10.88.0.99', prefixLen: 24 }]);
    const loaded = loadLedger({ stateDir: dir, netnsDir: '/run/netns', dp: t.dp });
    assert.equal(loaded.rebuilt?.reason, 'corrupt');
    assert.deepEqual(loaded.rebuilt?.extraAddresses, ['10.88.0.99/24 on Attachment/default/web-2-frontend']);
    assert.ok(!t.dp.snapshot()['/run/netns/web-2']!.addrs.some((a) => a.address === '10.88.0.99'), 'the unowned address is gone');
    assert.deepEqual(loaded.ledger.snapshot().allocations, t.ledger.snapshot().allocations);
    assert.ok(readdirSync(dir).some((f) => f.startsWith('state.json.corrupt-')));
    const again = loadLedger({ stateDir: dir, netnsDir: '/run/netns', dp: t.dp });
    assert.equal(again.rebuilt, undefined, 'the saved file loads normally');
    const empty = mkdtempSync(join(tmpdir(), 'nodenet-load-'));
    assert.equal(loadLedger({ stateDir: empty, netnsDir: '/run/netns', dp: t.dp }).rebuilt?.reason, 'missing');
    // A journal of the lost state must not be replayed onto the rebuilt one.
    const journaled = mkdtempSync(join(tmpdir(), 'nodenet-load-'));
    writeFileSync(join(journaled, 'state.json'), '{"version":1,"netw');
    writeFileSync(join(journaled, 'state.journal'), '{"seq":1,"ops":[["a","frontend","10.88.0.250","Attachment/default/ghost"]]}\n');
    const rebuilt = loadLedger({ stateDir: journaled, netnsDir: '/run/netns', dp: t.dp });
    assert.equal(rebuilt.rebuilt?.reason, 'corrupt');
    assert.deepEqual(rebuilt.ledger.snapshot().allocations, t.ledger.snapshot().allocations, 'no allocation from the stale journal');
    assert.ok(readdirSync(journaled).some((f) => f.startsWith('state.journal.stale-')));
  } finally {
    await t.stop();
  }
  const clean = await startTestAgent([]);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'nodenet-load-'));
    const l = loadLedger({ stateDir: dir, netnsDir: '/run/netns', dp: clean.dp });
    assert.equal(l.rebuilt, undefined);
    assert.deepEqual(l.ledger.keys('attachments'), []);
  } finally {
    await clean.stop();
  }
});
