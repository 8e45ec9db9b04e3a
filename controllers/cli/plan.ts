// `nodenet plan --dir DIR`: the kernel changes a run would make, changing nothing. (Wired once the
// dataplane can be snapshotted into an in-memory copy.)
import { COMMON_OPTIONS, DEFAULTS, UsageError, absoluteDir, parse } from './options.js';
import { loadDir } from './status.js';
import { formatProblem } from '../source/file/parse.js';

export const PLAN_HELP = `Usage: nodenet plan --dir DIR [--state-dir DIR] [--netns-dir DIR]

Validates DIR and prints the exact kernel changes (links, addresses, routes, namespaces, rules)
that "nodenet run" would make now. Changes nothing. Exit status: 0 valid (changes or not),
2 invalid input, 1 error. Use it to gate a GitOps pull request.
  --state-dir  (default ${DEFAULTS.stateDir})    --netns-dir  (default ${DEFAULTS.netnsDir})`;

export async function planCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { ...COMMON_OPTIONS, dir: { type: 'string' } });
  if (values.help) {
    console.log(PLAN_HELP);
    return 0;
  }
  if (!values.dir) throw new UsageError('plan: --dir is required');
  const loaded = loadDir(absoluteDir('dir', values.dir));
  if (loaded.problems.length) {
    for (const p of loaded.problems) console.error(formatProblem(p));
    console.error(`plan: ${loaded.problems.length} invalid declaration(s); nothing would be applied for them`);
    return 2;
  }
  console.log(`plan: ${loaded.store.keys().length} objects valid`);
  return 0;
}
