// The Firewall object against a fake process runner: which processes it starts, with what input,
// how the cache spares processes, and how a failed transaction is retried once after a re-read.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setRunner, type ExecRequest, type ExecResult, type Runner } from '../../../../../controllers/lib/exec.js';
import { setLogSink } from '../../../../../controllers/lib/log.js';
import { createNftFirewall } from '../../../../../controllers/dataplane/firewall/index.js';
import { port, twoNetworks } from './models.js';

type Reply = Partial<ExecResult> | ((req: ExecRequest) => Partial<ExecResult>);

const NO_TABLE: Partial<ExecResult> = { code: 1, stderr: 'Error: No such file or directory\nlist table inet nodenet\n' };
const EMPTY_TABLE: Partial<ExecResult> = { stdout: JSON.stringify({ nftables: [{ metainfo: {} }, { table: { family: 'inet', name: 'nodenet' } }] }) };
const ACCEPTING = { stdout: '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n' };

/** Answers by command: a queue of replies per key (first two argv words), the last one repeating. */
class FakeRunner {
  readonly calls: ExecRequest[] = [];
  private readonly replies = new Map<string, Reply[]>();

  on(key: string, ...replies: Reply[]): this {
    this.replies.set(key, replies);
    return this;
  }

  readonly run: Runner = async (req) => {
    this.calls.push(req);
    const key = req.argv.slice(0, 2).join(' ');
    const queue = this.replies.get(key);
    if (!queue) throw new Error(`unexpected command ${req.argv.join(' ')}`);
    const next = queue.length > 1 ? queue.shift()! : queue[0]!;
    const r = typeof next === 'function' ? next(req) : next;
    return { code: 0, stdout: '', stderr: '', pid: 1, ...r };
  };

  commands(): string[] {
    return this.calls.map((c) => c.argv.join(' '));
  }
}

describe('firewall sync with a fake runner', () => {
  let fake: FakeRunner;
  let prev: Runner;
  let prevSink: (line: string) => void;

  beforeEach(() => {
    fake = new FakeRunner().on('nft -j', NO_TABLE).on('nft -f').on('iptables -w', ACCEPTING).on('ip6tables -w', ACCEPTING);
    prev = setRunner(fake.run);
    prevSink = setLogSink(() => undefined);
  });
  afterEach(() => {
    setRunner(prev);
    setLogSink(prevSink);
  });

  it('reads once, applies one nft transaction with the script on stdin, then starts nothing', async () => {
    const fw = createNftFirewall();
    const res = await fw.sync(twoNetworks());
    assert.deepEqual(fake.commands(), ['nft -j list table inet nodenet', 'nft -f -', 'iptables -w -t filter -S', 'ip6tables -w -t filter -S']);
    assert.equal(fake.calls[1]!.input, res.script);
    assert.match(res.script, /^add table inet nodenet\n/);
    assert.ok(res.changes > 0);
    const again = await fw.sync(twoNetworks());
    assert.deepEqual(again, { changes: 0, script: '' });
    assert.equal(fake.calls.length, 4, 'no process for a sync that changes nothing');
  });

  it('sends only element lines for a new port, without reading the kernel again', async () => {
    const fw = createNftFirewall();
    await fw.sync(twoNetworks());
    const m = twoNetworks();
    m.ports.push(port('nn-backend', 7000, '10.89.0.6'));
    const res = await fw.sync(m);
    assert.deepEqual(fake.commands().slice(4), ['nft -f -']);
    assert.equal(res.script, 'add element inet nodenet dnat4_any { tcp . 7000 : 10.89.0.6 . 80 }\nadd element inet nodenet published4 { 10.89.0.6 . tcp . 80 }\n');
    assert.equal(res.changes, 2);
  });

  it('re-reads the kernel after invalidate()', async () => {
    const fw = createNftFirewall();
    await fw.sync(twoNetworks());
    fw.invalidate();
    fake.on('nft -j', NO_TABLE);
    await fw.sync(twoNetworks());
    assert.deepEqual(fake.commands().slice(4, 6), ['nft -j list table inet nodenet', 'nft -f -']);
  });

  it('retries once against a fresh listing when the transaction fails on a stale view', async () => {
    fake.on('nft -j', EMPTY_TABLE, NO_TABLE).on('nft -f', { code: 1, stderr: 'Error: No such file or directory' }, {});
    const fw = createNftFirewall();
    const res = await fw.sync(twoNetworks());
    assert.deepEqual(fake.commands().slice(0, 4), ['nft -j list table inet nodenet', 'nft -f -', 'nft -j list table inet nodenet', 'nft -f -']);
    assert.notEqual(fake.calls[1]!.input, fake.calls[3]!.input);
    assert.equal(res.script, fake.calls[3]!.input);
  });

  it('fails with context when the fresh plan is the same, and reads again next time', async () => {
    fake.on('nft -f', { code: 1, stderr: 'Error: Could not process rule: File exists' });
    const fw = createNftFirewall();
    await assert.rejects(fw.sync(twoNetworks()), (err: Error) => {
      assert.match(err.message, /^apply \d+ nft commands to inet nodenet$/);
      assert.match(String((err.cause as Error).message), /File exists/);
      return true;
    });
    assert.deepEqual(fake.commands(), ['nft -j list table inet nodenet', 'nft -f -', 'nft -j list table inet nodenet']);
    fake.on('nft -f', {});
    await fw.sync(twoNetworks());
    assert.equal(fake.commands()[3], 'nft -j list table inet nodenet');
  });

  it('forgets what a sync learned when invalidate() is called while it runs', async () => {
    const fw = createNftFirewall();
    fake.on('nft -f', () => {
      fw.invalidate();
      return {};
    });
    await fw.sync(twoNetworks());
    fake.on('nft -j', NO_TABLE).on('nft -f');
    await fw.sync(twoNetworks());
    assert.equal(fake.commands().filter((c) => c === 'nft -j list table inet nodenet').length, 2);
  });

  it('refuses an invalid model before starting any process', async () => {
    const fw = createNftFirewall();
    const m = twoNetworks();
    m.networks[0]!.bridge = 'nn-a"; flush ruleset';
    await assert.rejects(fw.sync(m), /not a valid interface name/);
    assert.equal(fake.calls.length, 0);
  });

  it('plan() applies nothing and includes compat commands', async () => {
    fake.on('iptables -w', { stdout: ACCEPTING.stdout.replace('FORWARD ACCEPT', 'FORWARD DROP') });
    const fw = createNftFirewall();
    const plan = await fw.plan(twoNetworks());
    assert.ok(!fake.commands().includes('nft -f -'));
    assert.equal(plan[0], 'add table inet nodenet');
    assert.ok(plan.includes('iptables -I FORWARD 1 -m comment --comment nodenet -j NODENET-FORWARD'));
    assert.ok(!plan.some((l) => l.startsWith('ip6tables')));
  });

  it('applies compat through iptables-restore --noflush after the nft transaction', async () => {
    fake.on('iptables -w', { stdout: ACCEPTING.stdout.replace('FORWARD ACCEPT', 'FORWARD DROP') }).on('iptables-restore -w');
    const fw = createNftFirewall();
    const res = await fw.sync(twoNetworks());
    const cmds = fake.commands();
    assert.ok(cmds.indexOf('iptables-restore -w --noflush') > cmds.indexOf('nft -f -'));
    const restore = fake.calls.find((c) => c.argv[0] === 'iptables-restore')!.input!;
    assert.match(restore, /^\*filter\n:NODENET-FORWARD - \[0:0\]\n/);
    assert.equal(res.compat?.length, 6);
  });

  it('remove() deletes our table in one idempotent transaction and only our compat chain', async () => {
    fake.on('nft list', { stdout: 'table inet nodenet {\n}\n' }).on('iptables -w', { stdout: '-P FORWARD DROP\n-N NODENET-FORWARD\n-A FORWARD -m comment --comment nodenet -j NODENET-FORWARD\n' }).on('iptables-restore -w');
    const fw = createNftFirewall();
    assert.equal(await fw.remove(), 1 + 3, 'the table and three compat lines');
    assert.deepEqual(fake.calls[0]!.argv, ['nft', 'list', 'table', 'inet', 'nodenet']);
    assert.equal(fake.calls[1]!.input, 'delete table inet nodenet\n');
    const restore = fake.calls.find((c) => c.argv[0] === 'iptables-restore')!.input!;
    assert.equal(restore, '*filter\n-D FORWARD -m comment --comment nodenet -j NODENET-FORWARD\n-F NODENET-FORWARD\n-X NODENET-FORWARD\nCOMMIT\n');
  });

  it('skips compat when iptables is not installed', async () => {
    const missing: Reply = () => {
      throw new Error('exec iptables', { cause: new Error('spawn iptables ENOENT') });
    };
    fake.on('iptables -w', missing).on('ip6tables -w', missing);
    const fw = createNftFirewall();
    const res = await fw.sync(twoNetworks());
    assert.equal(res.compat, undefined);
  });
});
