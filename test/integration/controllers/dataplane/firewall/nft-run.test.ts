// nft through libnftables in the agent's process: the same transactions, listings and errors as
// the nft binary, and a failing script changes nothing (one transaction).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nftInProcess, nftJson, nftScript } from '../../../../../controllers/dataplane/firewall/nft-run.js';
import { run, runOk, spawnCount } from '../../../../../controllers/lib/exec.js';
import { scratch, type Scratch } from '../../../../helpers/scratch.js';
import { readFile } from 'node:fs/promises';

// Start the thread pool now, before this process moves into its scratch namespace: the pool
// threads then live in the namespace we must NOT touch, and nftScript must still act in the
// caller's (checked by reading the scratch namespace with the nft binary).
await Promise.all(Array.from({ length: 8 }, () => readFile('/proc/self/status')));

describe('nft in-process', () => {
  let s: Scratch;
  before(async () => {
    s = await scratch();
  });
  after(async () => {
    await run({ argv: ['nft', 'delete', 'table', 'inet', 'nodenet'] });
    await s.cleanup();
  });

  it('is used here (libnftables is installed) and starts no process', async () => {
    assert.equal(nftInProcess(), true);
    const before = spawnCount();
    const res = await nftScript('add table inet nodenet\nadd map inet nodenet m { type inet_proto . inet_service : ipv4_addr . inet_service; }\n', 5000);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(spawnCount(), before);
  });

  it('applies a script as one transaction and lists like nft -j', async () => {
    const ok = await nftScript('add element inet nodenet m { tcp . 8080 : 10.0.0.2 . 80 }\nadd element inet nodenet m { udp . 53 : 10.0.0.3 . 53 }\n', 5000);
    assert.equal(ok.code, 0, ok.stderr);
    const mine = JSON.parse((await nftJson(['list', 'table', 'inet', 'nodenet'])).stdout) as { nftables: unknown[] };
    const theirs = JSON.parse((await runOk({ argv: ['nft', '-j', 'list', 'table', 'inet', 'nodenet'] })).stdout) as { nftables: unknown[] };
    assert.deepEqual(mine, theirs);
  });

  it('a failing line rolls the whole script back, with nft error text', async () => {
    const bad = await nftScript('add element inet nodenet m { tcp . 9090 : 10.0.0.4 . 80 }\nadd element inet nodenet nosuchmap { 1 }\n', 5000);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /No such file or directory/);
    const listed = (await runOk({ argv: ['nft', 'list', 'map', 'inet', 'nodenet', 'm'] })).stdout;
    assert.doesNotMatch(listed, /9090/);
    const missing = await nftJson(['list', 'table', 'inet', 'absent']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such file or directory/);
  });
});
