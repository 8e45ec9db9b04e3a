// Our table in a real kernel, without traffic: render() loads as is, transactions are atomic, a
// stale cache is re-read and the transaction retried once, drift is repaired after invalidate().
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createNftFirewall } from '../../../../../controllers/dataplane/firewall/index.js';
import type { FwModel, FwPort } from '../../../../../controllers/dataplane/firewall/types.js';
import { run, runOk, setRunner, spawnRunner, type Runner } from '../../../../../controllers/lib/exec.js';
import { scratch, type Scratch } from '../../../../helpers/scratch.js';

function port(hostPort: number, containerIP: string): FwPort {
  return { owner: `test/${hostPort}`, bridge: 'nn-t', hostIP: '0.0.0.0', hostPort, protocol: 'tcp', containerIP, containerPort: 80 };
}

function model(ports: FwPort[]): FwModel {
  return {
    networks: [
      { name: 't', bridge: 'nn-t', subnets: ['10.30.0.0/24', 'fd00:30::/64'], internal: false, masquerade: true, icc: false, isolation: true },
      { name: 'u', bridge: 'nn-u', subnets: ['10.31.0.0/24'], internal: true, masquerade: true, icc: true, isolation: true },
    ],
    ports,
  };
}

async function dnatKeys(): Promise<string> {
  return (await runOk({ argv: ['nft', 'list', 'map', 'inet', 'nodenet', 'dnat4_any'] })).stdout;
}

async function listing(): Promise<string> {
  return (await runOk({ argv: ['nft', 'list', 'table', 'inet', 'nodenet'] })).stdout;
}

describe('firewall table in the kernel', () => {
  let s: Scratch;

  before(async () => {
    s = await scratch();
  });
  after(async () => {
    await createNftFirewall({ compat: false }).remove();
    await s.cleanup();
  });

  it('loads render() output with nft -f, after which sync finds nothing to change', async () => {
    const m = model([port(8080, '10.30.0.2'), port(8081, '10.30.0.3')]);
    const fw = createNftFirewall({ compat: false });
    await runOk({ argv: ['nft', '-f', '-'], input: fw.render(m) });
    const res = await fw.sync(m);
    assert.deepEqual(res, { changes: 0, script: '' });
  });

  it('keeps a failed transaction from applying anything, then retries once on a fresh listing', async () => {
    const fw = createNftFirewall({ compat: false });
    await fw.sync(model([port(8080, '10.30.0.2'), port(8081, '10.30.0.3')]));
    // Someone removes a mapping behind our back: our cache is now stale.
    await runOk({ argv: ['nft', 'delete', 'element', 'inet', 'nodenet', 'dnat4_any', '{ tcp . 8081 }'] });
    let afterFailure: string | undefined;
    const spy: Runner = async (req) => {
      const res = await spawnRunner(req);
      if (req.argv.join(' ') === 'nft -f -' && res.code !== 0 && afterFailure === undefined) afterFailure = await dnatKeys();
      return res;
    };
    const prev = setRunner(spy);
    let res;
    try {
      res = await fw.sync(model([port(8080, '10.30.0.2'), port(9090, '10.30.0.4')]));
    } finally {
      setRunner(prev);
    }
    assert.ok(afterFailure !== undefined, 'the first transaction failed (delete of a missing element)');
    assert.doesNotMatch(afterFailure, /9090/, 'nothing of the failed transaction was applied');
    assert.match(afterFailure, /8080/);
    assert.equal(
      res.script,
      [
        'add element inet nodenet dnat4_any { tcp . 9090 : 10.30.0.4 . 80 }',
        'delete element inet nodenet published4 { 10.30.0.3 . tcp . 80 }',
        'add element inet nodenet published4 { 10.30.0.4 . tcp . 80 }',
        '',
      ].join('\n'),
      'the retried script no longer deletes the mapping that was already gone',
    );
    const now = await dnatKeys();
    assert.match(now, /tcp \. 9090 : 10\.30\.0\.4 \. 80/);
    assert.doesNotMatch(now, /8081/);
  });

  it('repairs a foreign rule in our chain after invalidate()', async () => {
    const fw = createNftFirewall({ compat: false });
    const m = model([port(8080, '10.30.0.2')]);
    await fw.sync(m);
    await runOk({ argv: ['nft', 'add', 'rule', 'inet', 'nodenet', 'filter_forward', 'counter', 'accept'] });
    assert.match(await listing(), /counter packets 0 bytes 0 accept/);
    assert.deepEqual(await fw.sync(m), { changes: 0, script: '' }, 'the cache does not see drift by itself');
    fw.invalidate();
    const res = await fw.sync(m);
    assert.match(res.script, /^flush chain inet nodenet filter_forward\n/);
    assert.doesNotMatch(await listing(), /counter packets/);
  });

  it('rebuilds the table when it holds an object we never create, keeping the mappings', async () => {
    const fw = createNftFirewall({ compat: false });
    const m = model([port(8080, '10.30.0.2')]);
    await fw.sync(m);
    await runOk({ argv: ['nft', 'add', 'counter', 'inet', 'nodenet', 'stray'] });
    fw.invalidate();
    const res = await fw.sync(m);
    assert.match(res.script, /^delete table inet nodenet\nadd table inet nodenet\n/);
    const text = await listing();
    assert.doesNotMatch(text, /stray/);
    assert.match(text, /tcp \. 8080 : 10\.30\.0\.2 \. 80/);
  });

  it('removes a network: its chain goes, the other network stays', async () => {
    const fw = createNftFirewall({ compat: false });
    const m = model([port(8080, '10.30.0.2')]);
    await fw.sync(m);
    const res = await fw.sync({ networks: [m.networks[0]!], ports: m.ports });
    assert.match(res.script, /delete chain inet nodenet into_nn-u/);
    const text = await listing();
    assert.doesNotMatch(text, /nn-u/);
    assert.match(text, /chain into_nn-t/);
    fw.invalidate();
    assert.deepEqual(await fw.sync({ networks: [m.networks[0]!], ports: m.ports }), { changes: 0, script: '' });
  });

  it('remove() is idempotent and leaves no nodenet table', async () => {
    const fw = createNftFirewall({ compat: false });
    await fw.sync(model([]));
    await fw.remove();
    await fw.remove();
    const tables = (await run({ argv: ['nft', 'list', 'tables'] })).stdout;
    assert.doesNotMatch(tables, /nodenet/);
  });

  it('reads the iptables state without creating tables on a clean host', async () => {
    const fw = createNftFirewall();
    const res = await fw.sync(model([]));
    assert.equal(res.compat, undefined);
    const tables = (await runOk({ argv: ['nft', 'list', 'tables'] })).stdout.trim().split('\n');
    assert.deepEqual(tables, ['table inet nodenet']);
    await fw.remove();
    assert.equal((await runOk({ argv: ['nft', 'list', 'tables'] })).stdout.trim(), '');
  });
});
