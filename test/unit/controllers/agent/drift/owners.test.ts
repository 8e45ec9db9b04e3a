// Kernel events to owning objects: host links by name (bridges, host veths), sandbox links by
// namespace id and interface name, address/route events by remembered ifindex, loopback to the
// sandbox, unknown interfaces in a sandbox to all its attachments, foreign things to nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger } from '../../../../../controllers/state/ledger.js';
import { EventOwners, ownerView } from '../../../../../controllers/agent/drift/owners.js';
import type { KernelEvent } from '../../../../../controllers/dataplane/monitor.js';

type Ev = Exclude<KernelEvent, { kind: 'overflow' }>;

function ledger(): Ledger {
  const l = Ledger.memory();
  l.set('networks', 'front', { driver: 'bridge', device: 'nn-front', subnets: ['10.1.0.0/24'] });
  l.set('sandboxes', 'Sandbox/default/a', { netnsPath: '/run/netns/a', created: true });
  l.set('attachments', 'Attachment/default/a-front', { network: 'front', sandbox: 'Sandbox/default/a', netnsPath: '/run/netns/a', hostInterface: 'nnv111', interface: 'eth0' });
  l.set('attachments', 'Attachment/default/a-back', { network: 'back', sandbox: 'Sandbox/default/a', netnsPath: '/run/netns/a', hostInterface: 'nnv222', interface: 'eth1' });
  return l;
}

const paths = (id: number): string | undefined => (id === 7 ? '/run/netns/a' : undefined);

test('host events: a bridge and a host veth by name; by index once the name was seen; foreign links ignored', () => {
  const view = ownerView(ledger());
  const lookups: string[] = [];
  const o = new EventOwners((p, i) => {
    lookups.push(`${p ?? 'host'}#${i}`);
    return undefined;
  });
  o.learn(undefined, [{ index: 4, name: 'nn-front' }]);
  const ev = (e: Partial<Ev>): Ev => ({ kind: 'link', action: 'new', nsid: undefined, index: 0, ...e }) as Ev;
  assert.deepEqual(o.owners(ev({ action: 'del', index: 9, name: 'nnv111' }), view, paths), { keys: ['Attachment/default/a-front'], detail: 'link nnv111 deleted (host)' });
  assert.deepEqual(o.owners(ev({ kind: 'addr', action: 'del', index: 4, family: 4 }), view, paths), { keys: ['Network/front'], detail: 'IPv4 address removed from nn-front (host)' });
  assert.equal(o.owners(ev({ name: 'docker0', index: 12 }), view, paths), undefined);
  assert.equal(o.owners(ev({ kind: 'route', index: 99, family: 4 }), view, paths), undefined, 'an unknown host ifindex is not ours');
  assert.deepEqual(lookups, ['host#99'], 'unknown indexes are looked up once');
});

test('sandbox events: by interface name, loopback to the sandbox, unknown index to every attachment there, other namespaces ignored', () => {
  const view = ownerView(ledger());
  const o = new EventOwners(() => undefined);
  const ev = (e: Partial<Ev>): Ev => ({ kind: 'link', action: 'new', nsid: 7, index: 0, ...e }) as Ev;
  assert.deepEqual(o.owners(ev({ name: 'eth1', index: 3 }), view, paths)?.keys, ['Attachment/default/a-back']);
  assert.deepEqual(o.owners(ev({ kind: 'route', action: 'del', index: 3, family: 4 }), view, paths), {
    keys: ['Attachment/default/a-back'],
    detail: 'IPv4 route removed from eth1 (/run/netns/a)',
  });
  assert.deepEqual(o.owners(ev({ name: 'lo', index: 1 }), view, paths)?.keys, ['Sandbox/default/a']);
  assert.deepEqual(o.owners(ev({ kind: 'addr', index: 42, family: 4 }), view, paths)?.keys.sort(), ['Attachment/default/a-back', 'Attachment/default/a-front']);
  assert.equal(o.owners(ev({ nsid: 8, name: 'eth0', index: 2 }), view, paths), undefined, 'not one of our sandboxes');
  assert.equal(o.owners(ev({ name: 'dummy0', index: 5 }), view, paths), undefined, 'a foreign link added in a sandbox');
});
