// Small constructors for the OpenAPI v3 subset Kubernetes accepts in structural CRD schemas.
// They make the house rules hard to forget: every field has a type and a description, every
// string a maxLength, every list a maxItems, every number bounds.
import { PATTERNS, type PatternName } from './patterns.js';

/** One x-kubernetes-validations entry (CEL). */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** JSONPath relative to the node carrying the rule, e.g. ".gateway". */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: readonly string[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

export interface StrOptions {
  maxLength: number;
  minLength?: number;
  pattern?: PatternName;
  format?: 'date-time';
  rules?: CelRule[];
}

export function str(description: string, o: StrOptions): Schema {
  const s: Schema = { type: 'string', description, maxLength: o.maxLength };
  if (o.minLength !== undefined) s.minLength = o.minLength;
  if (o.pattern) s.pattern = PATTERNS[o.pattern].re;
  if (o.format) s.format = o.format;
  if (o.rules) s['x-kubernetes-validations'] = o.rules;
  return s;
}

export function enumStr(description: string, values: readonly string[]): Schema {
  return { type: 'string', description, enum: values, maxLength: Math.max(...values.map((v) => v.length)) };
}

export function int(description: string, minimum: number, maximum: number): Schema {
  return { type: 'integer', description, minimum, maximum };
}

export function bool(description: string): Schema {
  return { type: 'boolean', description };
}

export interface ListOptions {
  maxItems: number;
  minItems?: number;
  listType?: 'set' | 'map';
  mapKeys?: string[];
}

export function list(description: string, items: Schema, o: ListOptions): Schema {
  const s: Schema = { type: 'array', description, items, maxItems: o.maxItems };
  if (o.minItems !== undefined) s.minItems = o.minItems;
  if (o.listType) s['x-kubernetes-list-type'] = o.listType;
  if (o.mapKeys) s['x-kubernetes-list-map-keys'] = o.mapKeys;
  return s;
}

export interface ObjOptions {
  required?: string[];
  rules?: CelRule[];
}

export function obj(description: string, properties: Record<string, Schema>, o: ObjOptions = {}): Schema {
  const s: Schema = { type: 'object', description, properties };
  if (o.required?.length) s.required = o.required;
  if (o.rules?.length) s['x-kubernetes-validations'] = o.rules;
  return s;
}

/** A string-to-string map (labels, node selectors): additionalProperties without properties, so still structural. */
export function stringMap(description: string, values: Schema, maxProperties: number): Schema {
  return { type: 'object', description, additionalProperties: values, maxProperties };
}

export function cel(rule: string, message: string, fieldPath?: string): CelRule {
  return fieldPath ? { rule, message, fieldPath } : { rule, message };
}

/** A rule whose message is computed from the object, so kube mode names the values like file mode does. */
export function celExpr(rule: string, messageExpression: string, fieldPath?: string): CelRule {
  return fieldPath ? { rule, messageExpression, fieldPath } : { rule, messageExpression };
}
