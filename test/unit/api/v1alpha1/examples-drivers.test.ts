// The driver examples (manifests/examples/drivers) are valid, conflict-free, and converge: each
// one runs through the whole agent against the fake kernel (with the eth1 parent and the
// underlay address they expect) and every object ends up Ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '../../../../api/v1alpha1/types.js';
import { keyOf } from '../../../../api/v1alpha1/defaults.js';
import { validateCrossObject } from '../../../../api/v1alpha1/validate.js';
import { createFakeDataplane, type FakeDataplane } from '../../../../controllers/dataplane/fake.js';
import { formatProblem, parseManifestFile } from '../../../../controllers/source/file/parse.js';
import { readyOf, startTestAgent } from '../../../helpers/engine.js';
import { EXAMPLES } from './examples-load.js';

const DIR = join(EXAMPLES, 'drivers');

function load(...files: string[]): Resource[] {
  return files.flatMap((f) => {
    const path = join(DIR, f);
    const r = parseManifestFile(path, readFileSync(path, 'utf8'));
    assert.deepEqual(r.problems.map(formatProblem), [], f);
    return r.objects.map((o) => o.object);
  });
}

/** A node with eth1 (the LAN parent) and 192.168.100.1 on its underlay interface. */
function node(): FakeDataplane {
  const dp = createFakeDataplane();
  dp.outOfBand(undefined, [
    { op: 'link.add', link: { kind: 'dummy', name: 'eth1' } },
    { op: 'link.set', ref: { name: 'eth1' }, up: true },
    { op: 'link.add', link: { kind: 'dummy', name: 'ul0' } },
    { op: 'link.set', ref: { name: 'ul0' }, up: true },
    { op: 'addr.add', ref: { name: 'ul0' }, family: 4, address: '192.168.100.1', prefixLen: 24 },
  ]);
  return dp;
}

const CASES: { name: string; files: string[]; nodeName?: string }[] = [
  { name: 'bridge dual-stack', files: ['bridge-dual-stack.yaml'] },
  { name: 'macvlan', files: ['macvlan.yaml'] },
  { name: 'ipvlan', files: ['ipvlan.yaml'] },
  { name: 'host', files: ['host.yaml'] },
  { name: 'null', files: ['null.yaml'] },
  { name: 'vxlan on node-a', files: ['vxlan/network.yaml', 'vxlan/node-a.yaml'], nodeName: 'node-a' },
];

for (const c of CASES) {
  test(`examples/drivers ${c.name}: valid, no conflicts, every object Ready`, async () => {
    const objects = load(...c.files);
    assert.deepEqual(validateCrossObject(objects), []);
    const t = await startTestAgent(objects, { dp: node(), ...(c.nodeName ? { nodeName: c.nodeName } : {}) });
    try {
      for (const o of objects) assert.match(readyOf(t.sink, keyOf(o)) ?? 'missing', /^True:/, keyOf(o));
    } finally {
      await t.stop();
    }
  });
}

test('examples/drivers vxlan: node-a allocates from its declared slice', async () => {
  const t = await startTestAgent(load('vxlan/network.yaml', 'vxlan/node-a.yaml'), { dp: node(), nodeName: 'node-a' });
  try {
    assert.equal(t.sink.records.get('Attachment/default/api-1-overlay')!.status.ipv4Address, '10.200.1.2/16');
  } finally {
    await t.stop();
  }
});
