// TEMPORARY stub, replaced by the api branch's parser at merge.
import { parseAllDocuments } from 'yaml';
import type { FieldError, Origin, Resource } from '../../../api/v1alpha1/types.js';

export interface ParsedObject {
  object: Resource;
  origin: Origin;
}
export interface Problem {
  origin: Origin;
  kind?: string;
  namespace?: string;
  name?: string;
  errors: FieldError[];
}
export function parseManifestFile(file: string, text: string): { objects: ParsedObject[]; problems: Problem[] } {
  const objects: ParsedObject[] = [];
  const problems: Problem[] = [];
  parseAllDocuments(text).forEach((d, i) => {
    const v = d.toJS() as Resource | null;
    if (!v) return;
    if (v.kind !== 'Network') v.metadata.namespace ??= 'default';
    objects.push({ object: v, origin: { source: file, doc: i + 1 } });
  });
  return { objects, problems };
}
export function formatProblem(p: Problem): string {
  return p.errors.map((e) => `${p.origin.source}: ${e.path}: ${e.message}`).join('\n');
}
