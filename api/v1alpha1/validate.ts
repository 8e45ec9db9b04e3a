// TEMPORARY stub, replaced by the api branch at merge.
import type { FieldError, Resource } from './types.js';
export function validateCrossObject(_objects: Resource[]): Map<string, FieldError[]> {
  return new Map();
}
