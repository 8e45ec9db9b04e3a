import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipam, IpamError } from '../../../../controllers/ipam/allocator.js';
import { Pool } from '../../../../controllers/ipam/pool.js';
import { Ledger } from '../../../../controllers/state/ledger.js';

const pool = (over: Partial<ConstructorParameters<typeof Pool>[0]> = {}): Pool =>
  new Pool({ family: 4, subnet: '10.88.0.0/24', gateway: '10.88.0.1', range: '10.88.0.0/24', reserved: [], ...over });

test('dynamic allocation skips network, gateway and reserved addresses', () => {
  const ipam = new Ipam(Ledger.memory());
  const p = pool({ reserved: ['10.88.0.2', '10.88.0.3'] });
  assert.equal(ipam.ensure({ network: 'n', pool: p, owner: 'a' }), '10.88.0.4');
  assert.equal(ipam.ensure({ network: 'n', pool: p, owner: 'b' }), '10.88.0.5');
});

test('the same owner keeps its address', () => {
  const ipam = new Ipam(Ledger.memory());
  const p = pool();
  const first = ipam.ensure({ network: 'n', pool: p, owner: 'a' });
  assert.equal(ipam.ensure({ network: 'n', pool: p, owner: 'a' }), first);
  assert.equal(ipam.count('n'), 1);
});

test('allocation honours the range and never returns broadcast', () => {
  const ipam = new Ipam(Ledger.memory());
  const p = pool({ range: '10.88.0.252/30' });
  const got = ['a', 'b'].map((o) => ipam.ensure({ network: 'n', pool: p, owner: o }));
  assert.deepEqual(got, ['10.88.0.253', '10.88.0.254']);
  assert.throws(() => ipam.ensure({ network: 'n', pool: p, owner: 'c' }), (e: unknown) => e instanceof IpamError && e.reason === 'Exhausted');
});

test('static addresses: honoured, moved on change, conflicts named', () => {
  const ipam = new Ipam(Ledger.memory());
  const p = pool();
  assert.equal(ipam.ensure({ network: 'n', pool: p, owner: 'a', requested: '10.88.0.10' }), '10.88.0.10');
  assert.throws(
    () => ipam.ensure({ network: 'n', pool: p, owner: 'b', requested: '10.88.0.10' }),
    /10\.88\.0\.10 is already allocated to a/,
  );
  assert.equal(ipam.ensure({ network: 'n', pool: p, owner: 'a', requested: '10.88.0.11' }), '10.88.0.11');
  assert.equal(ipam.ownerOf('n', '10.88.0.10'), undefined, 'old address released');
  assert.throws(() => ipam.ensure({ network: 'n', pool: p, owner: 'c', requested: '10.88.0.1' }), /gateway/);
  assert.throws(() => ipam.ensure({ network: 'n', pool: p, owner: 'c', requested: '10.88.0.255' }), /broadcast/);
  assert.throws(() => ipam.ensure({ network: 'n', pool: p, owner: 'c', requested: '10.99.0.5' }), /outside subnet/);
});

test('dynamic allocation avoids addresses others requested statically', () => {
  const ipam = new Ipam(Ledger.memory());
  const p = pool();
  const got = ipam.ensure({ network: 'n', pool: p, owner: 'a', avoid: new Set(['10.88.0.2', '10.88.0.3']) });
  assert.equal(got, '10.88.0.4');
});

test('an address no longer valid after a pool change is reallocated', () => {
  const ipam = new Ipam(Ledger.memory());
  const a = ipam.ensure({ network: 'n', pool: pool(), owner: 'a' });
  assert.equal(a, '10.88.0.2');
  const moved = ipam.ensure({ network: 'n', pool: pool({ reserved: ['10.88.0.2'] }), owner: 'a' });
  assert.notEqual(moved, '10.88.0.2');
  assert.equal(ipam.count('n'), 1);
});

test('allocations survive a reload through the ledger; released addresses are not reused at once', () => {
  const ledger = Ledger.memory();
  const ipam = new Ipam(ledger);
  const p = pool();
  ipam.ensure({ network: 'n', pool: p, owner: 'a' });
  ipam.ensure({ network: 'n', pool: p, owner: 'b' });
  ipam.release('n', 'a');
  assert.equal(ipam.ensure({ network: 'n', pool: p, owner: 'c' }), '10.88.0.4', 'next-fit, not the freed .2');
  const reloaded = new Ipam(Ledger.memory(ledger.snapshot()));
  assert.equal(reloaded.addressOf('n', 'b', 4), '10.88.0.3');
  assert.equal(reloaded.addressOf('n', 'c', 4), '10.88.0.4');
});

test('IPv6 pools allocate from the range', () => {
  const ipam = new Ipam(Ledger.memory());
  const p6 = new Pool({ family: 6, subnet: 'fd00:88::/64', gateway: 'fd00:88::1', range: 'fd00:88::/64', reserved: [] });
  assert.equal(ipam.ensure({ network: 'n', pool: p6, owner: 'a' }), 'fd00:88::2');
  assert.equal(ipam.addressOf('n', 'a', 6), 'fd00:88::2');
});

test('10k allocations stay fast (next-fit, no rescans)', () => {
  const ipam = new Ipam(Ledger.memory());
  const p = pool({ subnet: '10.0.0.0/16', range: '10.0.0.0/16', gateway: '10.0.0.1' });
  for (let i = 0; i < 10_000; i++) ipam.ensure({ network: 'n', pool: p, owner: `o${i}` });
  assert.equal(ipam.count('n'), 10_000);
  assert.equal(new Set(Array.from({ length: 10_000 }, (_, i) => ipam.addressOf('n', `o${i}`, 4))).size, 10_000);
});
