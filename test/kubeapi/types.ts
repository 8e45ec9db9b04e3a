// Shapes shared by the test API server's modules. Objects are plain JSON (unstructured), the way
// the apiserver treats custom resources; built-in kinds are stored the same way.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: JsonObject[];
  managedFields?: ManagedFieldsEntry[];
  [k: string]: unknown;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** A printer column as a CRD declares it (additionalPrinterColumns). */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

/** One served version of a resource. Custom resources carry their schema per version. */
export interface VersionDef {
  name: string;
  storage: boolean;
  schema?: JsonObject;
  printerColumns?: PrinterColumn[];
  /** Field paths (without the leading dot) a field selector may use, beyond metadata.name/namespace. */
  selectableFields: string[];
  statusSubresource: boolean;
}

export type NameRule = 'subdomain' | 'label' | 'segment';

/** Everything the server knows about one resource (group + plural). */
export interface ResourceDef {
  group: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  versions: VersionDef[];
  /** Custom resources: schema validation, pruning, no strategic merge patch. */
  custom: boolean;
  /** metadata.generation is maintained (CRs, CRDs). */
  generation: boolean;
  allowUnconditionalUpdate: boolean;
  allowCreateOnUpdate: boolean;
  /** DELETE answers with the object (CRs) rather than a Status (most built-ins). */
  returnDeletedObject: boolean;
  nameRule: NameRule;
  /** Extra field-selector fields of built-ins, read with a getter. */
  fieldGetters?: Record<string, (o: KObject) => string>;
  /** Strategic-merge list keys by dotted path (built-ins only), e.g. 'status.conditions' -> 'type'. */
  mergeKeys?: Record<string, string>;
  /** Built-in table printing; custom resources use their printer columns. */
  table?: { columns: PrinterColumn[]; cells: (o: KObject) => unknown[] };
  /** Called before create: server-set fields of built-ins (e.g. Namespace phase). */
  prepareCreate?: (o: KObject) => void;
}

export function resourceKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function groupResource(def: ResourceDef): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

export function storageVersion(def: ResourceDef): VersionDef {
  return def.versions.find((v) => v.storage) ?? def.versions[0]!;
}

export function versionOf(def: ResourceDef, name: string): VersionDef | undefined {
  return def.versions.find((v) => v.name === name);
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
