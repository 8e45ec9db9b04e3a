// Paths into the repository from compiled tests (this file runs from dist/test/helpers/).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** Every file under `dir`, recursively, sorted. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((e) => (statSync(join(dir, e)).isDirectory() ? filesUnder(join(dir, e)) : [join(dir, e)]))
    .sort();
}
