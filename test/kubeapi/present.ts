// How stored objects are shown to a client: in the requested version (CRDs use conversion None, so
// only apiVersion changes), and as metadata-only or Table rows when the client asks for those.
import { clone } from './json.js';
import { apiVersionOf, type KObject, type ResourceDef, type VersionDef } from './types.js';

export function present(def: ResourceDef, version: VersionDef, obj: KObject): KObject {
  const out = clone(obj);
  const shaped: KObject = { apiVersion: apiVersionOf(def.group, version.name), kind: def.kind, metadata: out.metadata };
  for (const [k, v] of Object.entries(out)) if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata') shaped[k] = v;
  return shaped;
}

export function partialMetadata(obj: KObject): KObject {
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: clone(obj.metadata) };
}
