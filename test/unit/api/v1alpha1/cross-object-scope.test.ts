// Cross-object options: file mode is one node (spec.nodeName does not split ports, addresses or
// namespaces there), and an adopted path that is another Sandbox's created namespace conflicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCrossObject } from '../../../../api/v1alpha1/validate.js';
import type { Resource } from '../../../../api/v1alpha1/types.js';
import { attachment, network, sandbox } from './fixtures.js';

const losers = (objs: Resource[], opts?: Parameters<typeof validateCrossObject>[1]): Record<string, string[]> =>
  Object.fromEntries(validateCrossObject(objs, opts).map((l) => [l.key, l.errors.map((e) => `${e.path}: ${e.message}`)]));

const twoNodes = (): Resource[] => [
  network('front', '10.88.0.0/24'),
  sandbox('a', { nodeName: 'node-a' }),
  sandbox('b', { nodeName: 'node-b', netns: { name: 'b' } }),
  attachment('a-front', { sandbox: 'a', ipv4Address: '10.88.0.7', ports: [{ hostPort: 8080, containerPort: 80 }] }),
  attachment('b-front', { sandbox: 'b', ipv4Address: '10.88.0.7', ports: [{ hostPort: 8080, containerPort: 80 }] }),
];

test('kube mode (default): other nodes may reuse host ports and node-local addresses', () => {
  assert.deepEqual(losers(twoNodes()), {});
});

test('file mode (ignoreNodeName): nodeName is ignored, so the same port or address on "two nodes" is a conflict on this one', () => {
  assert.deepEqual(losers(twoNodes(), { ignoreNodeName: true }), {
    'Attachment/default/b-front': [
      'spec.ipv4Address: 10.88.0.7 is already requested by Attachment default/a-front',
      'spec.ports[0].hostPort: host port 8080/tcp on 0.0.0.0 is already published by Attachment default/a-front',
    ],
  });
});

test('adopting the file of a namespace another Sandbox creates is a conflict the adopter loses, whatever the ages (also through /var/run)', () => {
  const older = (s: ReturnType<typeof sandbox>): ReturnType<typeof sandbox> => ({ ...s, metadata: { ...s.metadata, creationTimestamp: '2001-01-01T00:00:00Z' } });
  for (const path of ['/run/netns/web-1', '/var/run/netns/web-1']) {
    const want = { 'Sandbox/default/thief': [`spec.netns.path: netns path ${path} is already used by Sandbox default/web-1`] };
    assert.deepEqual(losers([sandbox('web-1'), sandbox('thief', { netns: { path } })]), want);
    assert.deepEqual(losers([older(sandbox('thief', { netns: { path } })), sandbox('web-1')]), want, 'an older adopter still loses');
  }
  // With the agent's own netns dir.
  assert.deepEqual(losers([sandbox('web-1'), sandbox('thief', { netns: { path: '/run/netns/web-1' } })], { netnsDir: '/srv/ns' }), {});
  assert.equal(Object.keys(losers([sandbox('web-1'), sandbox('thief', { netns: { path: '/srv/ns/web-1' } })], { netnsDir: '/srv/ns' })).length, 1);
});
