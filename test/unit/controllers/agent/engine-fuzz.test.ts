// Property-based fuzzing of the whole engine against the fake dataplane: a generated node is
// declared through the file parser and converged; then bad declarations arrive (invalid documents,
// hostile texts, conflicts, tenancy denials, namespace-path attacks). The agent must not crash,
// the bad ones must change nothing in the (fake) kernel — same snapshot, not one kernel op, same
// firewall model — and each one that got into the store must report Ready=False with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseManifestFile } from '../../../../controllers/source/file/parse.js';
import { createFakeDataplane } from '../../../../controllers/dataplane/fake.js';
import { setLogSink } from '../../../../controllers/lib/log.js';
import { keyOf } from '../../../../controllers/store/keys.js';
import type { Resource } from '../../../../api/v1alpha1/types.js';
import { readyOf, startTestAgent } from '../../../helpers/engine.js';
import { world } from '../../../helpers/fuzz/world.js';
import { fuzzParams, Tally } from '../../../helpers/fuzz/settings.js';

function load(text: string): Resource[] {
  return parseManifestFile('node.yaml', text).objects.map((o) => o.object);
}

test('fuzz: bad declarations never change the kernel, never crash the agent, and say why they are not ready', async (t) => {
  const tally = new Tally();
  const restore = setLogSink(() => undefined);
  try {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const dp = createFakeDataplane();
        for (const p of w.external) dp.addExternalNetns(p);
        for (const p of w.agentAliases) dp.aliasNetns(p);
        // The good objects go through the file parser too: what the engine sees is what files give.
        const good = w.good.flatMap((o) => load(stringify(o)));
        assert.equal(good.length, w.good.length, 'a generated good object was refused');
        tally.add('good objects', good.length);
        const ta = await startTestAgent(good, { dp });
        try {
          const agentNs = (): unknown => dp.snapshot()[''];
          const snap = JSON.stringify(dp.snapshot());
          const ops = dp.opCount();
          const model = JSON.stringify(ta.firewall.last() ?? null);
          const seen: string[] = [];
          const off = dp.onOp((ev) => seen.push(`${ev.ns ?? 'host'} ${JSON.stringify(ev.op)}`));
          const put: string[] = [];
          for (const b of w.bad) {
            tally.add(b.intent.split(' ')[0]!);
            const objs = load(b.text);
            if (b.intent.startsWith('invalid')) assert.equal(objs.length, 0, `${b.intent} was accepted`);
            if (b.intent.startsWith('invalid') || b.intent.startsWith('hostile')) continue;
            assert.equal(objs.length, 1, `${b.intent}: ${b.text}`);
            ta.source.put(...objs);
            put.push(keyOf(objs[0]!));
          }
          await ta.agent.settled();
          off();
          assert.deepEqual(seen, [], 'bad declarations made kernel changes');
          assert.equal(dp.opCount(), ops);
          assert.equal(JSON.stringify(dp.snapshot()), snap, 'the kernel snapshot changed');
          assert.equal(JSON.stringify(ta.firewall.last() ?? null), model, 'the firewall model changed');
          for (const key of put) {
            const ready = readyOf(ta.sink, key);
            assert.match(ready ?? '', /^False:\w+ \S/, `${key} should be Ready=False with a reason and message, got ${ready}`);
          }
          const host = agentNs() as { links: { name: string; alias?: string }[]; routes: { dst: string }[] };
          assert.equal(host.links.find((l) => l.name === 'lo')?.alias, undefined, "the agent's loopback was marked");
          assert.equal(host.routes.filter((r) => r.dst === 'default').length, 0, 'a default route in the agent namespace');
        } finally {
          await ta.stop();
        }
      }),
      fuzzParams(0.07),
    );
  } finally {
    setLogSink(restore);
  }
  tally.report('engine (generated nodes + bad declarations)', (m) => t.diagnostic(m));
});
