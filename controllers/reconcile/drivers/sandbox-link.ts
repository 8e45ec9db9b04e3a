// Detaching a macvlan/ipvlan attachment: its only link lives in the sandbox (no host end), so it
// is deleted there, and only if it still carries this attachment's marker.
import { markerOf } from '../../model/names.js';
import type { AttachmentRecord } from '../../state/ledger.js';
import type { EngineContext } from '../context.js';
import { applySteps } from '../steps.js';

export const SANDBOX_LINK_DRIVERS: readonly string[] = ['macvlan', 'ipvlan'];

export function removeSandboxLink(ctx: EngineContext, key: string, rec: AttachmentRecord): void {
  if (!rec.driver || !SANDBOX_LINK_DRIVERS.includes(rec.driver) || !ctx.dp.isNetns(rec.netnsPath)) return;
  const inner = ctx.dp.session(rec.netnsPath);
  let index: number | undefined;
  try {
    const link = inner.getLink(rec.interface);
    if (link && link.alias === markerOf(key)) index = link.index;
  } finally {
    inner.close();
  }
  if (index === undefined) return;
  applySteps(ctx.dp, [{ name: `delete ${rec.driver} ${rec.interface} in ${rec.netnsPath}`, ns: rec.netnsPath, ops: [{ op: 'link.del', ref: { index } }] }]);
}
