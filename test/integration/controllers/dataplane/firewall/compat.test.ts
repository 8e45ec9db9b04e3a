// Docker-style host: filter FORWARD policy DROP, bridged IPv4 through the ip hooks, plus foreign
// iptables rules and a foreign nft table. Our traffic must flow thanks to the compat chain, and
// nothing we did not create may change, neither after sync nor after remove().
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createNftFirewall } from '../../../../../controllers/dataplane/firewall/index.js';
import type { FwModel } from '../../../../../controllers/dataplane/firewall/types.js';
import { run, runOk, spawnCount } from '../../../../../controllers/lib/exec.js';
import { scratch, type Scratch } from '../../../../helpers/scratch.js';
import { hostSysctls, makeBridge, makeOutside, makeSandbox, ping, Responders, sh, tcpAsk, type Outside } from '../../../../helpers/topology.js';

const MODEL: FwModel = {
  networks: [{ name: 'a', bridge: 'nn-a', subnets: ['10.20.1.0/24'], internal: false, masquerade: true, icc: true, isolation: true }],
  ports: [{ owner: 'test/web', bridge: 'nn-a', hostIP: '0.0.0.0', hostPort: 8080, protocol: 'tcp', containerIP: '10.20.1.2', containerPort: 80 }],
};

const FOREIGN_NFT = `table ip foreign {
\tchain fwd_count {
\t\ttype filter hook forward priority 10; policy accept;
\t\tip saddr 198.51.100.0/24 counter packets 0 bytes 0
\t}
}
`;

async function iptablesS(): Promise<string[]> {
  return (await runOk({ argv: ['iptables', '-S'] })).stdout.trim().split('\n');
}

/** iptables -S without the lines nodenet owns: what must stay exactly as the host had it. */
async function foreignIptables(): Promise<string[]> {
  return (await iptablesS()).filter((l) => !l.includes('NODENET-FORWARD'));
}

async function foreignNft(): Promise<string> {
  return (await runOk({ argv: ['nft', 'list', 'table', 'ip', 'foreign'] })).stdout;
}

async function ourTableExists(): Promise<boolean> {
  return (await run({ argv: ['nft', 'list', 'table', 'inet', 'nodenet'] })).code === 0;
}

describe('firewall on a Docker-style host (iptables FORWARD policy DROP)', () => {
  let s: Scratch;
  let out: Outside;
  let a1 = '';
  let hostIptables: string[] = [];
  let hostNft = '';
  const responders = new Responders();
  const fw = createNftFirewall();

  before(async () => {
    s = await scratch();
    await hostSysctls();
    await makeBridge('nn-a', '10.20.1.1/24');
    a1 = await makeSandbox(s, { name: 'a1', bridge: 'nn-a', cidr: '10.20.1.2/24', gateway: '10.20.1.1', hostIf: 'v-a1' });
    await makeSandbox(s, { name: 'a2', bridge: 'nn-a', cidr: '10.20.1.3/24', gateway: '10.20.1.1', hostIf: 'v-a2' });
    out = await makeOutside(s);
    await responders.start(a1, { port: 80, label: 'a1' });
    await responders.start(out.path, { port: 9000, label: 'outside' });
    // What Docker leaves behind: DROP policy, its user chain jumped to from FORWARD, its own rules.
    await sh(null, 'iptables', '-P', 'FORWARD', 'DROP');
    await sh(null, 'iptables', '-N', 'DOCKER-USER');
    await sh(null, 'iptables', '-A', 'DOCKER-USER', '-j', 'RETURN');
    await sh(null, 'iptables', '-A', 'FORWARD', '-j', 'DOCKER-USER');
    await sh(null, 'iptables', '-A', 'FORWARD', '-i', 'docker0', '!', '-o', 'docker0', '-j', 'ACCEPT');
    await runOk({ argv: ['nft', '-f', '-'], input: FOREIGN_NFT });
    hostIptables = await iptablesS();
    hostNft = await foreignNft();
    assert.match(hostNft, /198\.51\.100\.0\/24 counter/);
  });

  after(async () => {
    responders.stopAll();
    await s.cleanup();
  });

  it('without the compat chain, the DROP policy blocks our bridged and routed traffic', async () => {
    const bare = createNftFirewall({ compat: false });
    const res = await bare.sync(MODEL);
    assert.equal(res.compat, undefined);
    assert.equal(await ping(a1, '10.20.1.3'), false);
    assert.equal(await tcpAsk(a1, out.serviceAddr, 9000), undefined);
  });

  it('installs the compat chain and traffic flows: same bridge, egress, published port', async () => {
    fw.invalidate();
    const res = await fw.sync(MODEL);
    assert.ok(res.compat && res.compat.length > 0, 'compat commands reported');
    const lines = await iptablesS();
    assert.ok(lines.includes('-A NODENET-FORWARD -i nn-a -m comment --comment nodenet -j ACCEPT'));
    assert.ok(lines.includes('-A NODENET-FORWARD -o nn-a -m comment --comment nodenet -j ACCEPT'));
    const forward = lines.filter((l) => l.startsWith('-A FORWARD '));
    assert.equal(forward[0], '-A FORWARD -m comment --comment nodenet -j NODENET-FORWARD', 'jump is the first FORWARD rule');
    assert.equal(await ping(a1, '10.20.1.3'), true);
    assert.equal(await tcpAsk(a1, out.serviceAddr, 9000), `outside ${out.hostAddr}`);
    assert.equal(await tcpAsk(out.path, out.hostAddr, 8080), `a1 ${out.linkAddr}`);
  });

  it('leaves foreign iptables rules and nft tables untouched by sync', async () => {
    assert.deepEqual(await foreignIptables(), hostIptables);
    assert.equal(await foreignNft(), hostNft);
  });

  it('spawns no process on a second sync, compat included', async () => {
    const before = spawnCount();
    const res = await fw.sync(MODEL);
    assert.equal(spawnCount() - before, 0);
    assert.equal(res.changes, 0);
  });

  it('plan() shows the compat chain when it is missing', async () => {
    await sh(null, 'iptables', '-D', 'FORWARD', '-m', 'comment', '--comment', 'nodenet', '-j', 'NODENET-FORWARD');
    fw.invalidate();
    const plan = await fw.plan(MODEL);
    assert.deepEqual(plan, ['iptables -F NODENET-FORWARD', ...compatAccepts('nn-a'), 'iptables -I FORWARD 1 -m comment --comment nodenet -j NODENET-FORWARD']);
    await fw.sync(MODEL);
    assert.ok((await iptablesS()).includes('-A FORWARD -m comment --comment nodenet -j NODENET-FORWARD'));
  });

  it('removes the compat chain when the FORWARD policy no longer drops', async () => {
    await sh(null, 'iptables', '-P', 'FORWARD', 'ACCEPT');
    fw.invalidate();
    const res = await fw.sync(MODEL);
    assert.deepEqual(res.compat, [
      'iptables -D FORWARD -m comment --comment nodenet -j NODENET-FORWARD',
      'iptables -F NODENET-FORWARD',
      'iptables -X NODENET-FORWARD',
    ]);
    assert.equal((await iptablesS()).some((l) => l.includes('NODENET')), false);
    assert.equal(await ping(a1, '10.20.1.3'), true);
    await sh(null, 'iptables', '-P', 'FORWARD', 'DROP');
    fw.invalidate();
    await fw.sync(MODEL);
  });

  it('remove() deletes our table and compat chain, and nothing else', async () => {
    assert.equal(await ourTableExists(), true);
    await fw.remove();
    assert.equal(await ourTableExists(), false);
    assert.deepEqual(await iptablesS(), hostIptables);
    assert.equal(await foreignNft(), hostNft);
    // Idempotent: a second remove() finds nothing and fails on nothing.
    await fw.remove();
    assert.deepEqual(await iptablesS(), hostIptables);
  });
});

function compatAccepts(bridge: string): string[] {
  return [`iptables -A NODENET-FORWARD -i ${bridge} -m comment --comment nodenet -j ACCEPT`, `iptables -A NODENET-FORWARD -o ${bridge} -m comment --comment nodenet -j ACCEPT`];
}
