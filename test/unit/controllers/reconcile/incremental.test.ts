// The fast paths of the engine against the fake dataplane: a deleted sandbox's attachment is left
// to the namespace deletion (no veth deleted one by one), and a firewall that takes port changes
// per attachment always ends where the complete model says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attachment, Resource, Sandbox } from '../../../../api/v1alpha1/types.js';
import { Agent } from '../../../../controllers/agent/agent.js';
import { StaticSource } from '../../../../controllers/agent/static-source.js';
import { describeOp } from '../../../../controllers/dataplane/describe.js';
import { createFakeDataplane } from '../../../../controllers/dataplane/fake.js';
import type { Firewall, FwModel, FwPort, FwSyncResult } from '../../../../controllers/dataplane/firewall/types.js';
import { NoPortBaseError } from '../../../../controllers/dataplane/firewall/types.js';
import { hostVethName } from '../../../../controllers/model/names.js';
import { DYING_RECHECK_MS } from '../../../../controllers/reconcile/attachment.js';
import { Ledger } from '../../../../controllers/state/ledger.js';
import { MemoryStatusSink } from '../../../../controllers/status/memory-sink.js';
import { exampleObjects, readyOf, startTestAgent } from '../../../helpers/engine.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('deleting a sandbox with its attachment: the namespace takes the veth along, then the address is released', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    const key = 'Attachment/default/web-2-frontend';
    const veth = hostVethName(key);
    const ops: string[] = [];
    t.dp.onOp((ev) => ops.push(describeOp(ev.op, ev.ns)));
    t.source.remove(key, 'Sandbox/default/web-2');
    await t.agent.settled();
    assert.equal(t.sink.records.has(key), false, 'status removed at once');
    assert.equal(t.dp.snapshot()['']!.links.some((l) => l.name === veth), false, 'the veth went with the namespace');
    assert.deepEqual(ops.filter((o) => o.startsWith('ip link del')), [], 'no veth deleted by hand');
    assert.ok(ops.some((o) => o.includes('web-2')), 'the namespace was deleted');
    await sleep(DYING_RECHECK_MS + 300);
    await t.agent.settled();
    assert.equal(t.ledger.get('attachments', key), undefined, 'then the record and its address are released');
    assert.ok(!Object.values(t.ledger.allocations('frontend')).includes(key));
  } finally {
    await t.stop();
  }
});

test('deleting only an attachment still deletes its veth right away', async () => {
  const t = await startTestAgent(exampleObjects());
  try {
    const key = 'Attachment/default/web-2-frontend';
    t.source.remove(key);
    await t.agent.settled();
    assert.equal(t.dp.snapshot()['']!.links.some((l) => l.name === hostVethName(key)), false);
    assert.equal(t.ledger.get('attachments', key), undefined);
  } finally {
    await t.stop();
  }
});

/** Keeps ports per owner the way the nft firewall does: complete syncs and per-owner changes. */
class PortFirewall implements Firewall {
  ports = new Map<string, FwPort[]>();
  networks: FwModel['networks'] = [];
  complete = 0;
  partial = 0;
  base = false;
  async sync(model: FwModel): Promise<FwSyncResult> {
    this.complete++;
    this.networks = model.networks;
    this.ports = new Map();
    for (const p of model.ports) (this.ports.get(p.owner) ?? this.ports.set(p.owner, []).get(p.owner)!).push(p);
    this.base = true;
    return { changes: 1, script: '' };
  }
  async syncPorts(changes: ReadonlyMap<string, readonly FwPort[]>): Promise<FwSyncResult> {
    if (!this.base) throw new NoPortBaseError();
    this.partial++;
    for (const [owner, ports] of changes) {
      if (ports.length) this.ports.set(owner, [...ports]);
      else this.ports.delete(owner);
    }
    return { changes: changes.size, script: '' };
  }
  async plan(): Promise<string[]> {
    return [];
  }
  render(): string {
    return '';
  }
  invalidate(): void {
    this.base = false;
  }
  async remove(): Promise<number> {
    const had = this.networks.length > 0 ? 1 : 0;
    this.ports.clear();
    this.networks = [];
    return had;
  }
  flat(): string[] {
    return [...this.ports.values()].flat().map((p) => JSON.stringify(p)).sort();
  }
}

test('per-attachment port changes end exactly where the complete model says', async () => {
  const firewall = new PortFirewall();
  const source = new StaticSource(exampleObjects());
  const agent = new Agent({
    config: { netnsDir: '/run/netns', stateDir: mkdtempSync(join(tmpdir(), 'nodenet-inc-')), hostResolvConf: '/nonexistent', nodeName: 'test' },
    dp: createFakeDataplane(),
    firewall,
    describe: describeOp,
    source,
    statusSink: new MemoryStatusSink(),
    metricsAddr: null,
    resyncMs: 0,
    concurrency: 4,
    ledger: Ledger.memory(),
  });
  await agent.start();
  await agent.settled();
  const expect = async (what: string): Promise<void> => {
    await agent.settled();
    const full = agent.ctx.firewall.currentModel().ports.map((p) => JSON.stringify(p)).sort();
    assert.deepEqual(firewall.flat(), full, what);
  };
  try {
    await expect('after start');
    const att = (name: string, sandbox: string, ports: Attachment['spec']['ports']): Resource =>
      ({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Attachment', metadata: { name, namespace: 'default' }, spec: { sandbox, network: 'frontend', ...(ports ? { ports } : {}) } }) as Attachment;
    const sb = (name: string): Resource => ({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name, namespace: 'default' }, spec: {} }) as Sandbox;
    const partialBefore = firewall.partial;
    source.put(att('web-2-frontend', 'web-2', [{ hostPort: 9090, containerPort: 90 }]));
    await expect('a port added to an attachment');
    source.put(att('web-2-frontend', 'web-2', [{ hostPort: 9091, containerPort: 90, protocol: 'udp' }]));
    await expect('a port changed');
    source.put(sb('x-1'), att('x-1-frontend', 'x-1', [{ hostPort: 9091, containerPort: 1, protocol: 'udp' }]));
    await expect('a new attachment whose port collides (it loses: no ports)');
    assert.match(readyOf((agent as unknown as { opts: { statusSink: MemoryStatusSink } }).opts.statusSink, 'Attachment/default/x-1-frontend') ?? '', /^False:Conflict/);
    source.remove('Attachment/default/web-2-frontend');
    await expect('the winner removed: the other one now publishes');
    // An older object arriving later wins: web-1-frontend loses 8080 and must stop publishing it.
    const older = att('x-2-frontend', 'x-2', [{ hostPort: 8080, containerPort: 80 }]);
    older.metadata.creationTimestamp = '2000-01-01T00:00:00Z';
    source.put(sb('x-2'), older);
    await expect('an existing attachment loses its port to an older one');
    assert.equal(firewall.ports.has('default/web-1-frontend'), false);
    source.remove('Sandbox/default/x-1', 'Attachment/default/x-1-frontend');
    await expect('sandbox and attachment removed together');
    assert.ok(firewall.partial > partialBefore, 'the per-attachment path was used');
    agent.ctx.firewall.invalidate();
    agent.enqueueAll();
    await expect('after a resync (complete again)');
  } finally {
    await agent.stop();
  }
});
