// Field paths as people read them: spec.ports[1].hostPort, metadata.labels["app.kubernetes.io/name"].
// One format for every FieldError, and the inverse so the file source can find the YAML node.
import type { FieldError } from './types.js';
import { quoted } from './printable.js';

export type PathSegment = string | number;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENT.test(s)) out += out ? `.${s}` : s;
    else out += `[${quoted(s)}]`; // JSON string escapes, so parsePath's JSON.parse inverts it
  }
  return out;
}

/** Inverse of formatPath; undefined for text it could not have produced. */
export function parsePath(path: string): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  const re = /\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let pos = 0;
  while (pos < path.length) {
    re.lastIndex = pos;
    const m = re.exec(path);
    if (!m || (pos === 0 && m[0].startsWith('.'))) return undefined;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
    pos = re.lastIndex;
  }
  return out;
}

/** JSON pointer (ajv instancePath) to segments; array indexes become numbers where the data is an array. */
export function pointerToSegments(pointer: string, data: unknown): PathSegment[] {
  if (!pointer) return [];
  const out: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(key)) {
      out.push(Number(key));
      cur = cur[Number(key)];
    } else {
      out.push(key);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

/** Builds FieldErrors under a common prefix. */
export function fieldError(segments: readonly PathSegment[], message: string): FieldError {
  return { path: formatPath(segments), message };
}
