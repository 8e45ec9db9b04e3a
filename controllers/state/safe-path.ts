// Paths under the state dir built from object names (status files, sandbox files). Names are
// validated DNS labels when they come from manifests or the API, but keys also come back from the
// state dir itself (status records, the ledger); every segment is checked again here, so no key
// can reach outside its directory ("../", "/", NUL) whatever its origin — a teardown removes
// these paths recursively.
import { join, sep } from 'node:path';

/** A file or directory name we create: starts with a letter or digit (so never "." or ".."), no "/" or NUL. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

export function isSafeSegment(s: string): boolean {
  return typeof s === 'string' && SEGMENT.test(s);
}

/** base/segments..., refusing any segment that could leave base. */
export function safeJoin(base: string, ...segments: string[]): string {
  for (const s of segments) {
    if (!isSafeSegment(s)) throw new Error(`refusing path segment ${JSON.stringify(s)} under ${base}`);
  }
  const out = join(base, ...segments);
  if (!out.startsWith(base.endsWith(sep) ? base : base + sep)) throw new Error(`refusing path ${JSON.stringify(out)}: outside ${base}`);
  return out;
}
