// Server-owned fields on create and update: uid, timestamps, generation, and what the status
// subresource separates (the main resource cannot change status; /status changes nothing else).
import { randomUUID } from 'node:crypto';
import { badRequest } from '../errors.js';
import { clone, deepEqual, without } from '../json.js';
import { apiVersionOf, isJsonObject, storageVersion, type KObject } from '../types.js';
import { nowTime, type Target } from './context.js';

export function asObject(body: unknown): KObject {
  if (!isJsonObject(body)) throw badRequest('the request body must be a JSON object');
  const o = clone(body) as unknown as KObject;
  if (!isJsonObject(o.metadata)) o.metadata = {};
  return o;
}

/** apiVersion/kind in the body must name the resource addressed by the URL. */
export function checkTypeMeta(t: Target, o: KObject): void {
  const want = apiVersionOf(t.def.group, t.version.name);
  if (o.apiVersion !== undefined && o.apiVersion !== want) {
    throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${want})`);
  }
  if (o.kind !== undefined && o.kind !== t.def.kind) throw badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${t.def.kind})`);
}

/** The stored form names the storage version (conversion None: same fields). */
export function toStorage(t: Target, o: KObject): void {
  o.apiVersion = apiVersionOf(t.def.group, storageVersion(t.def).name);
  o.kind = t.def.kind;
}

export function prepareCreate(t: Target, o: KObject): void {
  const m = o.metadata;
  for (const k of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generation']) delete m[k];
  m.uid = randomUUID();
  m.creationTimestamp = nowTime();
  if (t.def.generation) m.generation = 1;
  if (t.version.statusSubresource && t.def.custom) delete o['status'];
  t.def.prepareCreate?.(o);
  toStorage(t, o);
}

/** Everything but metadata (and status when status is a subresource) — what bumps generation. */
function specPart(t: Target, o: KObject): Record<string, unknown> {
  return without(o, t.version.statusSubresource ? ['metadata', 'status', 'apiVersion', 'kind'] : ['metadata', 'apiVersion', 'kind']);
}

/** Builds the object to store from the old one and the client's version of it. */
export function prepareUpdate(t: Target, old: KObject, incoming: KObject): KObject {
  let next: KObject;
  if (t.subresource === 'status') {
    next = clone(old);
    if (incoming['status'] === undefined) delete next['status'];
    else next['status'] = clone(incoming['status']);
  } else {
    next = clone(incoming);
    if (t.version.statusSubresource) {
      if (old['status'] === undefined) delete next['status'];
      else next['status'] = clone(old['status']);
    }
  }
  const m = next.metadata;
  const om = old.metadata;
  m.name = om.name;
  if (om.namespace !== undefined) m.namespace = om.namespace;
  m.uid = om.uid;
  m.creationTimestamp = om.creationTimestamp;
  m.resourceVersion = om.resourceVersion;
  for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
    if (om[k] === undefined) delete m[k];
    else m[k] = om[k] as never;
  }
  delete m.selfLink;
  if (t.def.generation && !deepEqual(specPart(t, old), specPart(t, next))) m.generation = (om.generation ?? 0) + 1;
  toStorage(t, next);
  return next;
}

/** No write happens when nothing would change (managedFields timestamps aside), as with etcd's unchanged-bytes check. */
export function unchanged(old: KObject, next: KObject): boolean {
  const strip = (o: KObject): KObject => ({
    ...o,
    metadata: { ...o.metadata, managedFields: (o.metadata.managedFields ?? []).map((e) => ({ ...e, time: '' })) },
  });
  return deepEqual(strip(old), strip(next));
}
