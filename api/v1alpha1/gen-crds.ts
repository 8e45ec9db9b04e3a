// Writes manifests/crds/ from the schema: `node dist/api/v1alpha1/gen-crds.js [--check] [--out DIR]`.
// --check writes nothing and exits 1 when a committed file differs (CI, pre-commit).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderCrdFiles } from './crd.js';

/** Repository root: this file runs from dist/api/v1alpha1/. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const CRD_DIR = join(REPO_ROOT, 'manifests', 'crds');

/** Names of generated files that are missing, different, or left over in `dir`. */
export function staleCrdFiles(dir: string = CRD_DIR): string[] {
  const want = renderCrdFiles();
  const stale = [...want].filter(([name, text]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), 'utf8') !== text).map(([n]) => n);
  const extra = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.yaml') && !want.has(n)) : [];
  return [...stale, ...extra];
}

function main(argv: string[]): number {
  const outAt = argv.indexOf('--out');
  const dir = outAt >= 0 && argv[outAt + 1] ? resolve(argv[outAt + 1]!) : CRD_DIR;
  if (argv.includes('--check')) {
    const stale = staleCrdFiles(dir);
    if (stale.length === 0) return 0;
    console.error(`CRDs in ${dir} are stale (${stale.join(', ')}): run npm run gen:crds`);
    return 1;
  }
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of renderCrdFiles()) writeFileSync(join(dir, name), text);
  console.log(`wrote ${renderCrdFiles().size} files to ${dir}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) process.exitCode = main(process.argv.slice(2));
