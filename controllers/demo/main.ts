// `make demo`: the agent in file mode on the shipped examples, inside a scratch network namespace
// so the host is untouched; shows convergence, status, real traffic, a plan, metrics, and cleans up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStatusFiles } from '../status/file-sink.js';
import { isTrue } from '../status/conditions.js';
import type { Condition } from '../../api/v1alpha1/types.js';
import { run, startProcess, type RunningProcess } from '../lib/exec.js';
import { createWorld, destroyWorld, inNs, type World } from './world.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(here, '../../..');
const CLI = join(ROOT, 'dist/controllers/cli/main.js');
const ECHO = join(here, 'http-echo.js');
const EXAMPLES = join(ROOT, 'manifests/examples/netconf');

const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s: string): void => console.log(`\n${bold(`== ${s}`)}`);

async function sh(w: World, ns: string, argv: string[], label: string, expectOk: boolean): Promise<boolean> {
  const res = await run({ argv: inNs(ns, argv), timeoutMs: 10_000 });
  const ok = res.code === 0;
  const verdict = ok === expectOk ? 'as expected' : 'UNEXPECTED';
  const text = (res.stdout || res.stderr).trim().split('\n').filter(Boolean).slice(-2).join(' | ');
  console.log(`  ${ok ? 'ok     ' : 'blocked'}  ${label.padEnd(58)} ${verdict}${text ? `  [${text}]` : ''}`);
  void w;
  return ok === expectOk;
}

async function waitConverged(w: World, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const recs = readStatusFiles(w.stateDir);
    if (recs.length >= 9 && recs.every((r) => isTrue(r.status.conditions as Condition[], 'Ready'))) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error('objects did not become Ready in time; see nodenet status');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function ipOf(w: World, name: string): string {
  const rec = readStatusFiles(w.stateDir).find((r) => r.name === name);
  return String(rec?.status.ipv4Address ?? '').split('/')[0]!;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('make demo needs root (network namespaces, bridges, nftables)');
    return 1;
  }
  step('Setting up a scratch world: a "node" namespace (where the agent runs) and an "outside" namespace');
  const w = await createWorld();
  const servers: RunningProcess[] = [];
  let agent: RunningProcess | undefined;
  let failures = 0;
  try {
    console.log(`  node namespace    ${w.nodeNs} (uplink ${w.nodeAddr}/24)\n  outside namespace ${w.outsideNs} (${w.outsideAddr}/24)`);
    console.log(`  manifests         ${EXAMPLES}`);

    step('Starting the agent: nodenet run --dir manifests/examples/netconf');
    const started = Date.now();
    agent = startProcess(
      inNs(w.nodeNs, [process.execPath, CLI, 'run', '--dir', EXAMPLES, '--state-dir', w.stateDir, '--netns-dir', w.netnsDir, '--metrics-addr', '127.0.0.1:9753', '--log-level', 'warn']),
    );
    const converged = await waitConverged(w, 20_000);
    console.log(`  all 9 objects Ready ${converged} ms after start (${Date.now() - started} ms including process start)`);

    step('nodenet status');
    const status = await run({ argv: [process.execPath, CLI, 'status', '--state-dir', w.stateDir] });
    console.log(status.stdout.replace(/^/gm, '  '));

    step('Traffic (real packets)');
    const ns = (n: string): string => join(w.netnsDir, n);
    servers.push(startProcess(inNs(ns('web-1'), [process.execPath, ECHO, '80', 'web-1'])));
    servers.push(startProcess(inNs(w.outsideNs, [process.execPath, ECHO, '8000', 'outside'])));
    await Promise.all(servers.map((s) => s.waitFor('listening')));
    const web1 = ipOf(w, 'web-1-frontend');
    const curl = (url: string): string[] => ['curl', '-sS', '--max-time', '2', url];
    const checks: [string, string[], string, boolean][] = [
      [ns('web-2'), ['ping', '-c1', '-W1', web1], `web-2 -> web-1 ${web1} (same network)`, true],
      [ns('web-1'), ['ping', '-c1', '-W1', '10.89.0.10'], 'web-1 -> db-1 10.89.0.10 (shared backend network)', true],
      [ns('web-2'), ['ping', '-c1', '-W1', '10.89.0.10'], 'web-2 -> db-1 (frontend and backend are isolated)', false],
      [w.outsideNs, curl(`http://${w.nodeAddr}:8080/`), `outside -> ${w.nodeAddr}:8080 (published port -> web-1:80)`, true],
      [w.nodeNs, curl(`http://127.0.0.1:8080/`), 'node itself -> 127.0.0.1:8080 (published on localhost)', true],
      [ns('web-2'), curl(`http://${w.nodeAddr}:8080/`), `web-2 -> ${w.nodeAddr}:8080 (hairpin to a neighbour)`, true],
      [ns('web-2'), curl(`http://${w.outsideAddr}:8000/`), 'web-2 -> outside (masquerade: outside sees the node)', true],
      [ns('db-1'), curl(`http://${w.outsideAddr}:8000/`), 'db-1 -> outside (backend is internal)', false],
    ];
    for (const [where, argv, label, expect] of checks) if (!(await sh(w, where, argv, label, expect))) failures++;

    step('nodenet plan --dir manifests/examples/netconf (what would change now)');
    const plan = await run({ argv: inNs(w.nodeNs, [process.execPath, CLI, 'plan', '--dir', EXAMPLES, '--state-dir', w.stateDir, '--netns-dir', w.netnsDir]) });
    console.log(plan.stdout.replace(/^/gm, '  ').trimEnd());

    step('Metrics (curl 127.0.0.1:9753/metrics inside the node namespace, excerpt)');
    const metrics = await run({ argv: inNs(w.nodeNs, curl('http://127.0.0.1:9753/metrics')) });
    const wanted = /^nodenet_(reconcile_total\{kind="Attachment",result="success"\}|kernel_ops_total\{op="link.add"|objects\{|queue_depth|drift_repairs_total\{kind="Attachment"\})/;
    console.log(metrics.stdout.split('\n').filter((l) => wanted.test(l)).map((l) => `  ${l}`).join('\n'));

    step('A sandbox file the agent wrote (hosts of web-1)');
    const hosts = readStatusFiles(w.stateDir).find((r) => r.name === 'web-1')?.status.hostsFile;
    if (hosts) console.log(readFileSync(String(hosts), 'utf8').split('\n').slice(6).filter(Boolean).map((l) => `  ${l}`).join('\n'));
  } finally {
    step('Cleaning up: stop the agent, nodenet cleanup, remove the scratch namespaces');
    for (const s of servers) await s.stop('SIGKILL');
    if (agent) console.log(`  agent stopped (exit ${await agent.stop('SIGTERM')})`);
    const cleanup = await run({ argv: inNs(w.nodeNs, [process.execPath, CLI, 'cleanup', '--state-dir', w.stateDir, '--netns-dir', w.netnsDir]) });
    console.log(cleanup.stdout.trim().split('\n').slice(-1).map((l) => `  ${l}`).join('\n'));
    await destroyWorld();
    const hostLinks = await run({ argv: ['ip', '-o', 'link', 'show'] });
    const leaked = hostLinks.stdout.split('\n').filter((l) => / (nn-|nnv)/.test(l));
    console.log(`  host namespace untouched: ${leaked.length === 0 ? 'no nodenet links' : `LEAKED ${leaked.join(', ')}`}`);
    if (leaked.length) failures++;
  }
  console.log(failures === 0 ? `\n${bold('Demo finished: every check behaved as expected.')}` : `\n${bold(`Demo finished with ${failures} unexpected result(s).`)}`);
  return failures === 0 ? 0 : 1;
}

process.exitCode = await main();
