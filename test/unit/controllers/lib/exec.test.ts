// Nothing reaches a shell: controllers/lib/exec.ts is the only module of the product (api/,
// controllers/, bench/, the native addon) that may start a process, it spawns argv arrays with
// shell: false, and shell syntax in an argument arrives at the program as plain text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run, runOk, setRunner, spawnRunner, type ExecRequest } from '../../../../controllers/lib/exec.js';
import { REPO_ROOT } from '../../../helpers/repo.js';

const PRODUCT_DIRS = ['api', 'controllers', 'bench'];
const EXEC_MODULE = 'controllers/lib/exec.ts';

function sources(dir: string, exts: RegExp): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'build' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p, exts));
    else if (exts.test(e)) out.push(p);
  }
  return out;
}

/** Ways to start a process or evaluate text as code, in TypeScript/JavaScript. */
const FORBIDDEN_TS: [RegExp, string][] = [
  [/\bfrom\s+['"](node:)?child_process['"]/, 'imports child_process'],
  [/\brequire\(\s*['"](node:)?child_process['"]\s*\)/, 'requires child_process'],
  [/\bimport\(\s*['"](node:)?child_process['"]\s*\)/, 'imports child_process dynamically'],
  [/\b(execSync|execFileSync|execFile|spawnSync|fork)\s*\(/, 'calls a child_process function'],
  [/(?<![.\w])exec\s*\(/, 'calls exec( (a shell)'],
  [/\bshell\s*:\s*(true|['"`])/, 'asks for a shell'],
  [/\beval\s*\(/, 'evaluates text'],
  [/\bnew\s+Function\s*\(/, 'compiles text'],
  [/\bfrom\s+['"](node:)?vm['"]/, 'imports vm'],
  [/\bprocess\.binding\s*\(/, 'reaches into process.binding'],
];

/** The C addon: no process creation, no shell. */
const FORBIDDEN_C: [RegExp, string][] = [[/\b(system|popen|execl|execlp|execle|execv|execvp|execvpe|posix_spawn|posix_spawnp|fork|vfork|clone)\s*\(/, 'starts a process']];

test('no product module but controllers/lib/exec.ts can start a process or run a shell (source scan)', () => {
  const files = PRODUCT_DIRS.flatMap((d) => sources(join(REPO_ROOT, d), /\.ts$/));
  assert.ok(files.length > 100, `scanned ${files.length} files`);
  const hits: string[] = [];
  for (const f of files) {
    const rel = relative(REPO_ROOT, f);
    const text = readFileSync(f, 'utf8');
    for (const [re, what] of FORBIDDEN_TS) {
      // exec.ts may import child_process (for spawn, checked below); nothing else is exempt.
      if (rel === EXEC_MODULE && what === 'imports child_process') continue;
      const m = re.exec(text);
      if (m) hits.push(`${rel}: ${what}: ${JSON.stringify(m[0])}`);
    }
  }
  const c = sources(join(REPO_ROOT, 'controllers'), /\.(c|cc|h)$/);
  assert.ok(c.length >= 1, 'the native addon source was scanned');
  for (const f of c) {
    const text = readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const [re, what] of FORBIDDEN_C) {
      const m = re.exec(text);
      if (m) hits.push(`${relative(REPO_ROOT, f)}: ${what}: ${JSON.stringify(m[0])}`);
    }
  }
  assert.deepEqual(hits, []);
  console.log(`exec audit: ${files.length} TypeScript files and ${c.length} C file(s) scanned; only ${EXEC_MODULE} spawns`);
});

test('the scan would see a violation (the patterns are live)', () => {
  const samples = [
    "import { exec } from 'node:child_process';",
    "const cp = require('child_process');",
    'execSync("ip link")',
    'exec(`nft -f ${file}`)',
    'spawn(cmd, args, { shell: true })',
    "eval('1')",
  ];
  for (const s of samples) assert.ok(FORBIDDEN_TS.some(([re]) => re.test(s)), s);
  assert.ok(!FORBIDDEN_TS.some(([re]) => re.test('const m = re.exec(text);')), 'RegExp#exec is not a process');
  assert.ok(FORBIDDEN_C.some(([re]) => re.test('system("ip link");')));
});

test('exec.ts spawns without a shell, and its only spawn call is the argv form', () => {
  const text = readFileSync(join(REPO_ROOT, EXEC_MODULE), 'utf8');
  const spawns = text.match(/\bspawn\s*\(/g) ?? [];
  assert.equal(spawns.length, 1);
  assert.match(text, /spawn\(cmd, args, \{[^}]*shell: false[^}]*\}\)/);
});

test('shell syntax in an argument reaches the program as plain text', async () => {
  const hostile = ['$(touch /tmp/nodenet-exec-pwned)', '`id`', 'a; reboot', 'x\ny', '"; flush ruleset', '*'];
  const res = await spawnRunner({ argv: ['printf', '%s\\0', ...hostile] });
  assert.equal(res.code, 0);
  assert.deepEqual(res.stdout.split('\0').slice(0, -1), hostile);
  const viaStdin = await spawnRunner({ argv: ['cat'], input: hostile.join('\n') });
  assert.equal(viaStdin.stdout, hostile.join('\n'));
  await assert.rejects(spawnRunner({ argv: [] }), /empty argv/);
});

test('setRunner sees every argv and stdin the product passes (the hook the canary tests rely on)', async () => {
  const seen: ExecRequest[] = [];
  const prev = setRunner(async (req) => {
    seen.push(req);
    return { code: 0, stdout: 'ok', stderr: '', pid: 1 };
  });
  try {
    await run({ argv: ['nft', '-f', '-'], input: 'add table inet nodenet\n' });
    await runOk({ argv: ['iptables', '-S'] });
  } finally {
    setRunner(prev);
  }
  assert.deepEqual(seen.map((r) => [r.argv, r.input]), [[['nft', '-f', '-'], 'add table inet nodenet\n'], [['iptables', '-S'], undefined]]);
});
