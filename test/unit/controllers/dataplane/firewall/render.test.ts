// Golden files of the rendered ruleset. UPDATE_GOLDEN=1 rewrites them; review the diff.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createNftFirewall } from '../../../../../controllers/dataplane/firewall/index.js';
import type { FwModel } from '../../../../../controllers/dataplane/firewall/types.js';
import { mixedFlags, twoNetworks } from './models.js';

function sourceDir(): string {
  // Tests run from dist/; golden files live next to the TypeScript sources.
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return join(dir, 'test/unit/controllers/dataplane/firewall/golden');
}

function golden(name: string, actual: string): void {
  const file = join(sourceDir(), name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.ok(existsSync(file), `golden file ${file} missing: run with UPDATE_GOLDEN=1`);
  assert.equal(actual, readFileSync(file, 'utf8'), `render differs from ${name} (UPDATE_GOLDEN=1 to accept)`);
}

const fw = createNftFirewall();
const cases: [string, FwModel][] = [
  ['empty.nft', { networks: [], ports: [] }],
  ['two-networks.nft', twoNetworks()],
  ['mixed-flags.nft', mixedFlags()],
];

describe('firewall render (golden)', () => {
  for (const [file, model] of cases) {
    it(`renders ${file}`, () => golden(file, fw.render(model)));
  }

  it('is deterministic whatever the order of networks and ports', () => {
    const m = twoNetworks();
    const shuffled: FwModel = { networks: [...m.networks].reverse(), ports: [...m.ports].reverse() };
    assert.equal(fw.render(shuffled), fw.render(m));
  });

  it('canonicalizes addresses before printing them', () => {
    const m = twoNetworks();
    m.ports[2]!.containerIP = 'fd00:88:0:0:0:0:0:10';
    assert.equal(fw.render(m), fw.render(twoNetworks()));
  });
});
