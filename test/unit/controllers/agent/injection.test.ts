// Injection canaries: shell metacharacters, newlines, nft syntax, path traversal, NUL, control and
// lookalike characters (and what an overlong UTF-8 sequence decodes to) in every string field of
// every kind. Each such document is refused at that field; the few free-text fields that accept
// anything (annotations, finalizers, ...) are carried but never used. Then the real agent (file
// source, engine, real nftables firewall) runs over them with the process runner wrapped: no
// command line or script it starts contains a canary, no kernel op does, and refused documents
// create nothing at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Agent } from '../../../../controllers/agent/agent.js';
import { createFakeDataplane } from '../../../../controllers/dataplane/fake.js';
import { describeOp } from '../../../../controllers/dataplane/describe.js';
import { createNftFirewall } from '../../../../controllers/dataplane/firewall/index.js';
import { setRunner, type ExecRequest, type Runner } from '../../../../controllers/lib/exec.js';
import { setLogSink } from '../../../../controllers/lib/log.js';
import { formatProblem, parseManifestFile } from '../../../../controllers/source/file/parse.js';
import { FileSource } from '../../../../controllers/source/file/source.js';
import { Ledger } from '../../../../controllers/state/ledger.js';
import { MemoryStatusSink } from '../../../../controllers/status/memory-sink.js';
import { CANARIES } from '../../../helpers/fuzz/bad-values.js';
import { base, canaryDocs, leaks } from '../../../helpers/fuzz/canary-docs.js';

test('every canary in every validated string field is refused at that field, with a printable message', () => {
  let tried = 0;
  for (const d of canaryDocs().filter((x) => x.refused)) {
    tried++;
    const r = parseManifestFile(`${d.name}.yaml`, d.text);
    assert.equal(r.objects.length, 0, `${d.name} was accepted:\n${d.text}`);
    const p = r.problems[0]!;
    assert.ok(p.errors.some((e) => e.path !== ''), `${d.name}: no field named`);
    assert.doesNotMatch(formatProblem(p), /[\u0000-\u0009\u000b-\u001f\u007f\u202e]/, `${d.name}: raw control characters in ${JSON.stringify(formatProblem(p))}`);
  }
  console.log(`injection canaries: ${tried} refused documents checked (${CANARIES.length} canaries)`);
  assert.ok(tried > 500);
});

test('an overlong UTF-8 "/" (C0 AF) and invalid bytes in a file never become a name', () => {
  const bytes = Buffer.concat([Buffer.from('apiVersion: nodenet.io/v1alpha1\nkind: Sandbox\nmetadata: {name: "a'), Buffer.from([0xc0, 0xaf]), Buffer.from('b"}\nspec: {}\n')]);
  const r = parseManifestFile('overlong.yaml', bytes.toString('utf8'));
  assert.equal(r.objects.length, 0);
  assert.equal(r.problems[0]!.errors[0]!.path, 'metadata.name');
});

interface Recorded {
  argv: string[];
  input: string;
}

function recordingRunner(calls: Recorded[]): Runner {
  return async (req: ExecRequest) => {
    calls.push({ argv: [...req.argv], input: req.input ?? '' });
    if (req.argv[0] === 'nft' && req.argv.includes('list')) return { code: 1, stdout: '', stderr: 'Error: No such file or directory\n', pid: 1 };
    if (/iptables$/.test(req.argv[0]!) && req.argv.includes('-S')) return { code: 0, stdout: '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n', stderr: '', pid: 1 };
    return { code: 0, stdout: '', stderr: '', pid: 1 };
  };
}

async function runAgent(files: { name: string; text: string }[]): Promise<{ calls: Recorded[]; ops: string[]; snapshot: string; fresh: string; statuses: string; opCount: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'nodenet-canary-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'nodenet-canary-state-'));
  const calls: Recorded[] = [];
  const prevRunner = setRunner(recordingRunner(calls));
  const prevSink = setLogSink(() => undefined);
  try {
    files.forEach((f, i) => writeFileSync(join(dir, `${String(i).padStart(4, '0')}.yaml`), f.text));
    const dp = createFakeDataplane();
    const fresh = JSON.stringify(dp.snapshot());
    const ops: string[] = [];
    dp.onOp((ev) => ops.push(`${ev.ns ?? ''} ${JSON.stringify(ev.op)} ${describeOp(ev.op, ev.ns)}`));
    const sink = new MemoryStatusSink();
    const agent = new Agent({
      config: { netnsDir: '/run/netns', stateDir, hostResolvConf: '/nonexistent', nodeName: 'test' },
      dp,
      firewall: createNftFirewall(),
      describe: describeOp,
      source: new FileSource({ dir }),
      statusSink: sink,
      metricsAddr: null,
      resyncMs: 0,
      concurrency: 4,
      ledger: Ledger.memory(),
    });
    await agent.start();
    await agent.settled();
    await agent.stop();
    return { calls, ops, snapshot: JSON.stringify(dp.snapshot()), fresh, statuses: JSON.stringify([...sink.records.values()]), opCount: dp.opCount() };
  } finally {
    setRunner(prevRunner);
    setLogSink(prevSink);
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
}

test('the agent over refused canary files: no kernel op, no object, and no command carries a canary', async () => {
  const docs = canaryDocs().filter((d) => d.refused);
  const r = await runAgent(docs);
  assert.equal(r.opCount, 0, 'refused documents changed the kernel');
  assert.equal(r.snapshot, r.fresh);
  // No network: the only processes are the ones looking for our (absent) table, with fixed text.
  assert.deepEqual(
    r.calls.map((c) => [c.argv.join(' '), c.input]),
    [
      ['nft list table inet nodenet', ''],
      ['iptables -w -t filter -S', ''],
      ['ip6tables -w -t filter -S', ''],
    ],
  );
  console.log(`injection canaries: agent over ${docs.length} refused files started ${r.calls.length} processes, 0 kernel ops`);
});

test('the agent over valid objects carrying canaries in free-text fields: converges, and nothing it runs or changes carries a canary', async () => {
  const docs = [...canaryDocs().filter((d) => !d.refused), ...Object.values(base()).map((o) => ({ name: o.kind, text: stringify(o), refused: false }))];
  const r = await runAgent(docs);
  assert.ok(r.opCount > 0, 'sanity: the valid objects were realized');
  assert.ok(r.calls.some((c) => c.argv.join(' ') === 'nft -f -' && c.input.includes('8080')), 'sanity: the port mapping reached nft');
  for (const c of r.calls) assert.ok(!leaks(c.argv.join(' ') + '\n' + c.input), `canary in ${c.argv.join(' ')}:\n${c.input}`);
  for (const op of r.ops) assert.ok(!leaks(op), `canary in kernel op ${op}`);
  assert.ok(!leaks(r.snapshot), 'canary in the kernel');
  assert.doesNotMatch(r.statuses, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, 'raw control characters in status');
  console.log(`injection canaries: agent over ${docs.length} valid files started ${r.calls.length} processes, ${r.opCount} kernel ops, none with a canary`);
});
