// Structural validation of file-mode objects with ajv, compiled once per kind, and the
// translation of ajv's errors into FieldErrors a person can act on.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldError, Kind } from './types.js';
import { resourceSchema, type Schema } from './schema.js';
import { patternHelp } from './patterns.js';
import { formatPath, pointerToSegments, type PathSegment } from './paths.js';
import { quoted } from './printable.js';

/** Keywords of Kubernetes' OpenAPI dialect that carry no meaning for ajv (CEL runs in semantic checks). */
export const KUBE_KEYWORDS = [
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-preserve-unknown-fields',
] as const;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function isDateTime(s: string): boolean {
  return RFC3339.test(s) && !Number.isNaN(Date.parse(s));
}

/** An ajv instance that understands the OpenAPI subset Kubernetes uses. */
export function newKubeAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true, formats: { 'date-time': isDateTime } });
  ajv.addVocabulary([...KUBE_KEYWORDS]);
  return ajv;
}

let ajv: Ajv | undefined;
const validators = new Map<Kind, ValidateFunction>();

function validatorFor(kind: Kind): ValidateFunction {
  let v = validators.get(kind);
  if (!v) {
    ajv ??= newKubeAjv();
    v = ajv.compile(resourceSchema(kind, 'file'));
    validators.set(kind, v);
  }
  return v;
}

/** Schema errors of `input` as a `kind` object (file view: unknown fields are errors). */
export function structuralErrors(kind: Kind, input: unknown): FieldError[] {
  const v = validatorFor(kind);
  if (v(input)) return [];
  const seen = new Set<string>();
  const out: FieldError[] = [];
  const errors = v.errors ?? [];
  // A value that is too long usually fails its pattern too; the length is the useful message.
  const tooLong = new Set(errors.filter((e) => e.keyword === 'maxLength').map((e) => e.instancePath));
  for (const e of errors) {
    if (e.keyword === 'pattern' && tooLong.has(e.instancePath)) continue;
    const fe = toFieldError(e, input);
    const id = `${fe.path}\0${fe.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(fe);
    }
  }
  return out;
}

function toFieldError(e: ErrorObject, root: unknown): FieldError {
  const segments: PathSegment[] = pointerToSegments(e.instancePath, root);
  const p = e.params as Record<string, unknown>;
  const got = describeValue(e.data);
  switch (e.keyword) {
    case 'required':
      return { path: formatPath([...segments, String(p.missingProperty)]), message: 'is required' };
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const known = Object.keys((e.parentSchema as Schema | undefined)?.properties ?? {});
      return { path: formatPath([...segments, name]), message: unknownFieldMessage(name, known) };
    }
    case 'type':
      return { path: formatPath(segments), message: `must be ${article(String(p.type))}, got ${got}` };
    case 'enum':
      return { path: formatPath(segments), message: `must be one of ${(p.allowedValues as string[]).join(', ')}, got ${got}` };
    case 'pattern': {
      const help = patternHelp(String(p.pattern));
      return { path: formatPath(segments), message: help ? `must be ${help}, got ${got}` : `must match ${String(p.pattern)}, got ${got}` };
    }
    case 'maxLength':
      return { path: formatPath(segments), message: `must be at most ${String(p.limit)} characters, got ${(e.data as string).length}` };
    case 'minLength':
      return { path: formatPath(segments), message: p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters` };
    case 'maximum':
      return { path: formatPath(segments), message: `must be <= ${String(p.limit)}` };
    case 'minimum':
      return { path: formatPath(segments), message: `must be >= ${String(p.limit)}` };
    case 'maxItems':
      return { path: formatPath(segments), message: `must have at most ${String(p.limit)} items, got ${(e.data as unknown[]).length}` };
    case 'minItems':
      return { path: formatPath(segments), message: `must have at least ${String(p.limit)} items` };
    case 'maxProperties':
      return { path: formatPath(segments), message: `must have at most ${String(p.limit)} entries` };
    case 'format':
      return { path: formatPath(segments), message: `must be an RFC 3339 time like 2024-05-01T10:00:00Z, got ${got}` };
    default:
      return { path: formatPath(segments), message: e.message ?? `fails ${e.keyword}` };
  }
}

function article(type: string): string {
  const name = type === 'object' ? 'mapping' : type === 'array' ? 'list' : type;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  // Quoted and escaped: the value may come from a hostile file and end up on a terminal.
  if (typeof v === 'string') return quoted(v.length > 60 ? v.slice(0, 57) + '...' : v);
  return `${typeof v} ${String(v)}`;
}

/** "unknown field" plus the likely intended name, since most unknown fields are typos. */
export function unknownFieldMessage(name: string, known: readonly string[]): string {
  const best = closest(name, known);
  if (best) return `unknown field (did you mean "${best}"?)`;
  return known.length ? `unknown field; known fields here: ${known.join(', ')}` : 'unknown field';
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
