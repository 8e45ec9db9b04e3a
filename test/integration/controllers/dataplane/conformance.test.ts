// The fake dataplane must be faithful: the same scenarios run against the fake and against the
// real kernel (in scratch namespaces) must give identical outcomes and identical state.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { scratch, type Scratch } from '../../../helpers/scratch.js';
import { runScenario } from '../../../helpers/dataplane/observe.js';
import { scenarios } from '../../../helpers/dataplane/scenarios.js';
import { createKernelDataplane } from '../../../../controllers/dataplane/kernel.js';
import { createFakeDataplane } from '../../../../controllers/dataplane/fake.js';
import type { Dataplane } from '../../../../controllers/dataplane/types.js';

let s: Scratch;
let kernel: Dataplane;
let unsupported: string[] = [];

/** Kinds this kernel cannot create (built without the driver): the fake must refuse them too. */
function probeKinds(dp: Dataplane, dir: string): string[] {
  const path = `${dir}/probe`;
  const host = dp.session();
  host.apply([{ op: 'netns.add', path }]);
  const out: string[] = [];
  const ns = dp.session(path);
  for (const kind of ['dummy', 'ipvlan'] as const) {
    const link = kind === 'dummy' ? { kind, name: 'p0' } : { kind, name: 'p1', parent: { name: 'lo' }, mode: 'l2' };
    try {
      ns.apply([{ op: 'link.add', link }]);
    } catch (e) {
      if ((e as { errno?: number }).errno === 95) out.push(kind);
    }
  }
  ns.close();
  host.apply([{ op: 'netns.del', path }]);
  host.close();
  return out;
}

before(async () => {
  s = await scratch('nodenet-conformance-');
  kernel = createKernelDataplane();
  unsupported = probeKinds(kernel, s.netnsDir);
});
after(async () => s.cleanup());

for (const make of scenarios('/DIR')) {
  test(`fake = kernel: ${make.name}`, async () => {
    const sc = scenarios(s.netnsDir).find((x) => x.name === make.name)!;
    const fake = await runScenario(createFakeDataplane({ unsupportedKinds: unsupported }), sc, 0);
    const real = await runScenario(kernel, sc, 1500);
    const host = kernel.session();
    for (const p of sc.observe) host.apply([{ op: 'netns.del', path: p }]);
    host.close();
    assert.ok(real.steps.length > 0 && real.steps.some((o) => o.ok), 'the scenario did something');
    assert.deepEqual(fake, real);
  });
}
