// OpenAPI v3 documents per group-version, shaped the way kubectl reads them: the root lists every
// group-version with a hash-versioned URL; each document has the resource paths whose PATCH
// operation carries x-kubernetes-group-version-kind and a fieldValidation parameter (kubectl
// checks that to use server-side field validation), and components.schemas holds the CRD schemas
// (with x-kubernetes-group-version-kind) for `kubectl explain`. Built-in kinds get no schema, so
// kubectl builds strategic merge patches from its compiled-in types, as it does for unknown schemas.
import { createHash } from 'node:crypto';
import type { Registry } from '../registry.js';
import { apiVersionOf, type JsonObject, type ResourceDef, type VersionDef } from '../types.js';

const query = (name: string, description: string, type = 'string'): JsonObject => ({ name, in: 'query', description, schema: { type, uniqueItems: true } });
const WRITE_PARAMS = [
  query('dryRun', 'When present, indicates that modifications should not be persisted.'),
  query('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  query('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn (default), Strict.'),
];

function schemaName(def: ResourceDef, version: string): string {
  const group = def.group ? def.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${group}.${version}.${def.kind}`;
}

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

function operations(def: ResourceDef, v: VersionDef, item: boolean): JsonObject {
  const gvk = { group: def.group, version: v.name, kind: def.kind };
  const body = { content: { 'application/json': { schema: ref(schemaName(def, v.name)) } }, required: true };
  const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref(schemaName(def, v.name)) } } } };
  const op = (action: string, extra: JsonObject = {}): JsonObject => ({
    operationId: `${action}${def.kind}`, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, responses: ok, ...extra,
  });
  if (!item) {
    return {
      get: op('list', { parameters: [query('labelSelector', 'label selector'), query('fieldSelector', 'field selector'), query('watch', 'watch', 'boolean')] }),
      post: op('post', { parameters: WRITE_PARAMS, requestBody: body }),
      delete: op('deletecollection'),
    };
  }
  // custom resources take no strategic merge patch; kubectl reads this list to choose its patch type
  const types = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml', ...(def.custom ? [] : ['application/strategic-merge-patch+json'])];
  const patchBody = { content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'object' } }])), required: true };
  return {
    get: op('get'),
    put: op('put', { parameters: WRITE_PARAMS, requestBody: body }),
    patch: op('patch', { parameters: [...WRITE_PARAMS, query('force', 'Force is going to "force" Apply requests.', 'boolean')], requestBody: patchBody }),
    delete: op('delete'),
  };
}

function pathParams(names: string[]): JsonObject[] {
  return names.map((n) => ({ name: n, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }));
}

function docFor(reg: Registry, group: string, version: string): JsonObject | undefined {
  const entries = reg.resourcesIn(group, version);
  if (entries.length === 0) return undefined;
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  for (const { def, version: v } of entries) {
    const ns = def.namespaced ? '/namespaces/{namespace}' : '';
    const base = def.namespaced ? ['namespace'] : [];
    paths[`${prefix}${ns}/${def.plural}`] = { ...operations(def, v, false), parameters: pathParams(base) };
    paths[`${prefix}${ns}/${def.plural}/{name}`] = { ...operations(def, v, true), parameters: pathParams([...base, 'name']) };
    if (v.statusSubresource) paths[`${prefix}${ns}/${def.plural}/{name}/status`] = { ...operations(def, v, true), parameters: pathParams([...base, 'name']) };
    if (def.custom && v.schema) {
      schemas[schemaName(def, v.name)] = publishedSchema(def, v);
      schemas[OBJECT_META] = OBJECT_META_SCHEMA;
    } else {
      // a reference target so the document is well formed; no properties, so clients fall back to built-in knowledge
      schemas[schemaName(def, v.name)] = { type: 'object', description: `${def.kind} (${apiVersionOf(group, version)}); the test server publishes no schema for built-in kinds.` };
    }
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas } };
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const OBJECT_META_SCHEMA: JsonObject = {
  description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
  type: 'object',
  properties: {
    ...Object.fromEntries(['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp'].map((k) => [k, { type: 'string' }])),
    generation: { type: 'integer', format: 'int64' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
  },
};

/** The CRD schema as kube-apiserver publishes it: apiVersion, kind and metadata (ObjectMeta) added, plus the GVK. */
function publishedSchema(def: ResourceDef, v: VersionDef): JsonObject {
  const s = structuredClone(v.schema!);
  const props = (s['properties'] ?? {}) as JsonObject;
  s['properties'] = {
    apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
    kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
    metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }], description: "Standard object's metadata." },
    ...props,
  };
  s['x-kubernetes-group-version-kind'] = [{ group: def.group, kind: def.kind, version: v.name }];
  return s;
}

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openapiV3Root(reg: Registry): JsonObject {
  const paths: JsonObject = {};
  for (const g of reg.groups()) {
    for (const v of g.versions) {
      const doc = docFor(reg, g.name, v);
      if (!doc) continue;
      const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
      paths[gvPath(g.name, v)] = { serverRelativeURL: `/openapi/v3/${gvPath(g.name, v)}?hash=${hash}` };
    }
  }
  return { paths };
}

export function openapiV3Group(reg: Registry, path: string): JsonObject | undefined {
  const seg = path.split('/');
  return seg[0] === 'api' ? docFor(reg, '', seg[1]!) : docFor(reg, seg[1]!, seg[2]!);
}
