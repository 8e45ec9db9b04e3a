// Validation of one object: apiVersion/kind, then the schema (ajv, file view), then the semantic
// checks, which include a TS twin of every CEL rule of the CRDs. A bad object yields FieldErrors
// with precise paths and never an object, so it cannot reach the kernel.
import { API_VERSION, KINDS, type Attachment, type FieldError, type Kind, type Network, type Resource, type Sandbox } from './types.js';
import { closest, describeValue, structuralErrors } from './structural.js';
import { checkNetwork } from './semantic-network.js';
import { checkSandbox, type SandboxCheckOptions } from './semantic-sandbox.js';
import { checkAttachment } from './semantic-attachment.js';

export { validateUpdate } from './validate-update.js';
export { validateCrossObject, type CrossObjectError, type CrossObjectOptions } from './cross-object.js';
export { mayJoin, DEFAULT_TENANCY, type TenancyPolicy, type JoinDecision } from './tenancy.js';
export { DEFAULT_NETNS_DIRS } from './semantic-sandbox.js';

export interface ValidationResult {
  /** The input, typed, when there are no errors. */
  object?: Resource;
  errors: FieldError[];
}

export type ValidateOptions = SandboxCheckOptions;

export function validateResource(input: unknown, opts: ValidateOptions = {}): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { errors: [{ path: '', message: `must be a mapping with apiVersion, kind, metadata and spec, got ${describeValue(input)}` }] };
  }
  const head = identify(input as Record<string, unknown>);
  if ('errors' in head) return { errors: head.errors };
  const structural = structuralErrors(head.kind, input);
  if (structural.length) return { errors: structural };
  const errors = semanticErrors(input as Resource, opts);
  return errors.length ? { errors } : { object: input as Resource, errors: [] };
}

/** The kind of a mapping, or why it is not a nodenet object. */
function identify(o: Record<string, unknown>): { kind: Kind } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (o.apiVersion === undefined) errors.push({ path: 'apiVersion', message: `is required (${API_VERSION})` });
  else if (o.apiVersion !== API_VERSION) errors.push({ path: 'apiVersion', message: `must be ${API_VERSION}, got ${describeValue(o.apiVersion)}` });
  if (o.kind === undefined) {
    errors.push({ path: 'kind', message: `is required (one of ${KINDS.join(', ')})` });
  } else if (!KINDS.includes(o.kind as Kind)) {
    const guess = typeof o.kind === 'string' ? closest(o.kind, KINDS) : undefined;
    const hint = guess ? ` (did you mean "${guess}"?)` : '';
    errors.push({ path: 'kind', message: `must be one of ${KINDS.join(', ')}, got ${describeValue(o.kind)}${hint}` });
  }
  return errors.length ? { errors } : { kind: o.kind as Kind };
}

function semanticErrors(r: Resource, opts: ValidateOptions): FieldError[] {
  switch (r.kind) {
    case 'Network':
      return checkNetwork(r as Network).list;
    case 'Sandbox':
      return checkSandbox(r as Sandbox, opts).list;
    case 'Attachment':
      return checkAttachment(r as Attachment).list;
  }
}
