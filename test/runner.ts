// Runs the test suites and prints one closing summary. Suites that touch the kernel run under
// `unshare --mount --net`, so even a crashed test cannot leave a mount or a link on the host;
// each kernel test additionally makes its own scratch namespace (test/helpers/scratch.ts).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';

interface Suite {
  name: string;
  kernel: boolean;
  concurrency: number;
}

const SUITES: Suite[] = [
  { name: 'unit', kernel: false, concurrency: 2 },
  { name: 'integration', kernel: true, concurrency: 2 },
  { name: 'e2e', kernel: true, concurrency: 1 },
  { name: 'torture', kernel: true, concurrency: 1 },
];

interface Outcome {
  suite: string;
  files: number;
  tests: number;
  pass: number;
  fail: number;
  skipped: number;
  seconds: number;
}

const root = join(import.meta.dirname, '..');

function findTests(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (entry.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

function count(tap: string, key: string): number {
  const m = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap);
  return m ? Number(m[1]) : 0;
}

async function runSuite(suite: Suite, filter: string | undefined): Promise<Outcome | undefined> {
  let files = findTests(join(root, 'test', suite.name));
  if (filter) files = files.filter((f) => f.includes(filter));
  if (files.length === 0) return undefined;
  const tapFile = join(tmpdir(), `nodenet-${suite.name}-${process.pid}.tap`);
  const nodeArgs = [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${suite.concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ];
  const argv = suite.kernel ? ['unshare', '--mount', '--net', '--', process.execPath, ...nodeArgs] : [process.execPath, ...nodeArgs];
  console.log(`\n=== ${suite.name}: ${files.length} files (${files.map((f) => relative(root, f)).join(', ')})`);
  const started = Date.now();
  await new Promise<void>((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', cwd: root });
    child.on('close', () => resolve());
  });
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  rmSync(tapFile, { force: true });
  const failed = count(tap, 'fail') + count(tap, 'cancelled');
  return {
    suite: suite.name,
    files: files.length,
    tests: count(tap, 'tests'),
    pass: count(tap, 'pass'),
    fail: tap ? failed : Math.max(1, failed),
    skipped: count(tap, 'skipped') + count(tap, 'todo'),
    seconds: (Date.now() - started) / 1000,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const filter = args.find((a) => a.startsWith('--filter='))?.slice('--filter='.length);
  const wanted = args.filter((a) => !a.startsWith('--'));
  const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES;
  const outcomes: Outcome[] = [];
  for (const s of suites) {
    const o = await runSuite(s, filter);
    if (o) outcomes.push(o);
  }
  console.log('\n================ nodenet test summary ================');
  console.log('suite         files  tests   pass   fail  skipped  seconds');
  for (const o of outcomes) {
    console.log(
      `${o.suite.padEnd(12)} ${String(o.files).padStart(6)} ${String(o.tests).padStart(6)} ${String(o.pass).padStart(6)} ${String(o.fail).padStart(6)} ${String(o.skipped).padStart(8)} ${o.seconds.toFixed(1).padStart(8)}`,
    );
  }
  const total = outcomes.reduce((a, o) => ({ tests: a.tests + o.tests, pass: a.pass + o.pass, fail: a.fail + o.fail }), { tests: 0, pass: 0, fail: 0 });
  console.log(`TOTAL: ${total.tests} tests, ${total.pass} passed, ${total.fail} failed`);
  process.exitCode = total.fail > 0 || outcomes.length === 0 ? 1 : 0;
}

await main();
