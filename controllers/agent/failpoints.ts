// Wires the fail points that need no code of their own at the call site: every kernel op (after
// it ran) and every process started (before and after). Only when NODENET_FAILPOINT is set.
import type { Dataplane, DescribeOp } from '../dataplane/types.js';
import { setRunner, spawnRunner, type Runner } from '../lib/exec.js';
import { failpoint, failpointsArmed } from '../lib/failpoint.js';

export function installFailpoints(dp: Dataplane, describe: DescribeOp): void {
  if (!failpointsArmed()) return;
  dp.onOp((ev) => failpoint('kernel-op', describe(ev.op, ev.ns)));
  let inner: Runner = spawnRunner;
  inner = setRunner(async (req) => {
    failpoint('exec', req.argv.slice(0, 3).join(' '));
    const res = await inner(req);
    failpoint('exec-done', req.argv.slice(0, 3).join(' '));
    return res;
  });
}
