// Reads one manifest file: guards (size, documents, nesting, aliases), YAML documents, namespace
// defaulting and validation. Each bad document becomes a problem with file, document and line of
// every failing field; good documents become objects. Other files and documents are unaffected.
import { LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { FieldError, Origin, Resource } from '../../../api/v1alpha1/types.js';
import { validateResource, type ValidateOptions } from '../../../api/v1alpha1/validate.js';
import { DEFAULTS } from '../../../api/v1alpha1/defaults-values.js';
import { YAML_LIMITS, checkComposed, checkNodes, preScan } from './yaml-guard.js';
import { lineOfPath } from './yaml-lines.js';
import { printable } from '../../../api/v1alpha1/printable.js';

export interface ManifestObject {
  object: Resource;
  origin: Origin;
}

export interface ManifestProblem {
  origin: Origin;
  kind?: string;
  name?: string;
  namespace?: string;
  errors: FieldError[];
}

export interface ParsedManifest {
  objects: ManifestObject[];
  problems: ManifestProblem[];
}

export type ParseOptions = ValidateOptions;

const NAMESPACED = new Set(['Sandbox', 'Attachment']);

export function parseManifestFile(file: string, text: string, opts: ParseOptions = {}): ParsedManifest {
  const out: ParsedManifest = { objects: [], problems: [] };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > YAML_LIMITS.maxFileBytes) {
    const message = `file is ${bytes} bytes; the limit is ${YAML_LIMITS.maxFileBytes} (1 MiB): split it into smaller files`;
    out.problems.push({ origin: { source: file }, errors: [{ path: '', message }] });
    return out;
  }
  const guard = preScan(text);
  if (guard) {
    const origin: Origin = guard.line ? { source: file, line: guard.line } : { source: file };
    out.problems.push({ origin, errors: [{ path: '', message: `${guard.message}; file refused`, line: guard.line }] });
    return out;
  }
  const lc = new LineCounter();
  // Duplicate keys are found by checkNodes in one pass (the library's check is quadratic).
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  docs.forEach((doc, i) => readDocument({ file, doc, docIndex: i + 1, lc, opts, out }));
  return out;
}

interface DocContext {
  file: string;
  doc: Document;
  docIndex: number;
  lc: LineCounter;
  opts: ParseOptions;
  out: ParsedManifest;
}

function readDocument(c: DocContext): void {
  const { doc, lc } = c;
  const start = (doc.contents as Node | null)?.range?.[0] ?? doc.range?.[0] ?? 0;
  const origin: Origin = { source: c.file, doc: c.docIndex, line: lc.linePos(start).line };
  if (doc.errors.length) {
    const errors = doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message}`, line: lc.linePos(e.pos[0]).line }));
    c.out.problems.push({ origin, errors });
    return;
  }
  const shape = checkNodes(doc, lc);
  if (shape) {
    const line = shape.line ?? origin.line;
    c.out.problems.push({ origin, errors: [{ path: '', message: shape.message.startsWith('YAML:') ? shape.message : `${shape.message}; document refused`, line }] });
    return;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const message = /alias/i.test(why)
      ? `more than ${YAML_LIMITS.maxAliasCount} alias expansions (a YAML bomb?); document refused`
      : `YAML: ${why}`;
    c.out.problems.push({ origin, errors: [{ path: '', message, line: origin.line }] });
    return;
  }
  if (value === null || value === undefined) return; // empty document ("---" alone, only comments, or ~)
  const tooDeep = checkComposed(value);
  if (tooDeep) {
    c.out.problems.push({ origin, errors: [{ path: '', message: `${tooDeep}; document refused`, line: origin.line }] });
    return;
  }
  defaultNamespace(value);
  const { object, errors } = validateResource(value, c.opts);
  if (object) {
    const { status: _ignored, ...desired } = object;
    c.out.objects.push({ object: desired as Resource, origin });
    return;
  }
  const located = errors
    .slice(0, YAML_LIMITS.maxErrors)
    .map((e) => ({ ...e, line: e.line ?? lineOfPath(doc, e.path, lc) ?? origin.line ?? 0 }))
    .sort((a, b) => a.line - b.line);
  if (errors.length > YAML_LIMITS.maxErrors) {
    located.push({ path: '', message: `and ${errors.length - YAML_LIMITS.maxErrors} more errors`, line: origin.line ?? 0 });
  }
  c.out.problems.push({ origin, ...identity(value), errors: located });
}

/** File mode: Sandboxes and Attachments without a namespace live in "default". */
function defaultNamespace(value: unknown): void {
  if (!isRecord(value) || !NAMESPACED.has(value.kind as string) || !isRecord(value.metadata)) return;
  if (value.metadata.namespace === undefined) value.metadata.namespace = DEFAULTS.namespace;
}

function identity(value: unknown): Pick<ManifestProblem, 'kind' | 'name' | 'namespace'> {
  if (!isRecord(value)) return {};
  const meta = isRecord(value.metadata) ? value.metadata : {};
  const id: Pick<ManifestProblem, 'kind' | 'name' | 'namespace'> = {};
  if (typeof value.kind === 'string') id.kind = value.kind;
  if (typeof meta.name === 'string') id.name = meta.name;
  if (typeof meta.namespace === 'string') id.namespace = meta.namespace;
  return id;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * One line per error:
 * netconf/web.yaml:14 (doc 2, Attachment default/web-1-frontend) spec.ports[0].hostPort: must be <= 65535
 */
export function formatProblem(p: ManifestProblem): string {
  const where: string[] = [];
  if (p.origin.doc !== undefined) where.push(`doc ${p.origin.doc}`);
  if (p.kind) where.push(p.name ? `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}` : p.kind);
  const context = where.length ? ` (${where.join(', ')})` : '';
  return p.errors
    .map((e) => {
      const line = e.line ?? p.origin.line;
      const loc = line !== undefined ? `${p.origin.source}:${line}` : p.origin.source;
      // File names, kinds and names come from untrusted files: one line each, nothing a terminal acts on.
      return printable(`${loc}${context} ${e.path ? `${e.path}: ` : ''}${e.message}`);
    })
    .join('\n');
}

