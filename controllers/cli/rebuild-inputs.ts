// What a state rebuild may use besides the kernel: the declared attachments (which network and
// sandbox each belongs to, for an adopted namespace the kernel cannot name) and the state files
// an earlier rebuild moved aside.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Attachment } from '../../api/v1alpha1/types.js';
import { loadDir } from './status.js';
import { sandboxKeyOf } from '../store/keys.js';
import type { RebuildHint } from '../state/rebuild.js';

export function declaredAttachments(dir: string, netnsDirs: string[]): Map<string, RebuildHint> {
  const out = new Map<string, RebuildHint>();
  const { store } = loadDir(dir, { netnsDirs });
  for (const key of store.keys()) {
    const obj = store.get(key)?.object;
    if (obj?.kind !== 'Attachment') continue;
    const a = obj as Attachment;
    out.set(key, { network: a.spec.network, sandbox: sandboxKeyOf(a) });
  }
  return out;
}

/** state.json.corrupt-<ms> and state.journal.corrupt-<ms> files left in stateDir by Ledger.load. */
export function corruptLeftovers(stateDir: string): string[] {
  try {
    return readdirSync(stateDir)
      .filter((f) => f.startsWith('state.json.corrupt-') || f.startsWith('state.journal.corrupt-'))
      .map((f) => join(stateDir, f));
  } catch {
    return [];
  }
}
