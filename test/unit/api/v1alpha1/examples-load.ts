// Loads the shipped example directories through the file parser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifestFile, type ParsedManifest } from '../../../../controllers/source/file/parse.js';
import { REPO_ROOT, filesUnder } from '../../../helpers/repo.js';

export const EXAMPLES = join(REPO_ROOT, 'manifests', 'examples');

export function loadExampleDir(name: 'netconf' | 'kube'): ParsedManifest & { files: string[] } {
  const files = filesUnder(join(EXAMPLES, name)).filter((f) => /\.ya?ml$/.test(f));
  const out: ParsedManifest & { files: string[] } = { objects: [], problems: [], files };
  for (const f of files) {
    const r = parseManifestFile(f, readFileSync(f, 'utf8'));
    out.objects.push(...r.objects);
    out.problems.push(...r.problems);
  }
  return out;
}
