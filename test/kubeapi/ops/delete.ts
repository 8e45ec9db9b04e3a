// DELETE and deletecollection. An object with finalizers is only marked (deletionTimestamp set,
// generation bumped) and goes away when its last finalizer is removed; one without is removed at
// once. Preconditions (uid, resourceVersion) are checked like the apiserver does.
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { clone } from '../json.js';
import { present } from '../present.js';
import { matchFields, matchLabels, type FieldSelector, type LabelSelector } from '../selectors.js';
import { isJsonObject, type KObject } from '../types.js';
import { admit } from './admit.js';
import { nowTime, resKey, type Caller, type Ctx, type Result, type Target } from './context.js';

export interface DeleteOptions {
  dryRun: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  /** Controllers' own deletes bypass admission, as storage-level deletes do in kube-apiserver. */
  internal?: boolean;
}

/** kube-apiserver's CRD REST Delete adds this finalizer; the CRD goes once its objects are gone. */
export const CRD_CLEANUP = 'customresourcecleanup.apiextensions.k8s.io';

const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export function parseDeleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const b = isJsonObject(body) ? body : {};
  if (body !== undefined && !isJsonObject(body)) throw badRequest('DeleteOptions must be an object');
  const dryRun = query.getAll('dryRun').includes('All') || (Array.isArray(b['dryRun']) && b['dryRun'].includes('All'));
  const pre = isJsonObject(b['preconditions']) ? b['preconditions'] : undefined;
  const out: DeleteOptions = { dryRun };
  if (pre) out.preconditions = { ...(typeof pre['uid'] === 'string' ? { uid: pre['uid'] } : {}), ...(typeof pre['resourceVersion'] === 'string' ? { resourceVersion: pre['resourceVersion'] } : {}) };
  const pp = b['propagationPolicy'] ?? query.get('propagationPolicy');
  if (typeof pp === 'string') out.propagationPolicy = pp;
  return out;
}

function successStatus(t: Target, o: KObject): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: o.metadata.name, group: t.def.group, kind: t.def.plural, uid: o.metadata.uid } };
}

/** Deletes one object (after preconditions and admission); shared by DELETE, deletecollection and controllers. */
export async function deleteObject(ctx: Ctx, t: Target, caller: Caller, name: string, opts: DeleteOptions, verb = 'delete'): Promise<Result> {
  const old = ctx.store.get(resKey(t.def), t.namespace, name);
  if (!old) throw notFound(t.def, name);
  const pre = opts.preconditions;
  if (pre?.uid && pre.uid !== old.metadata.uid) throw conflict(t.def, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
  if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
    throw conflict(t.def, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
  }
  const isNamespace = t.def.group === '' && t.def.plural === 'namespaces';
  if (isNamespace && PROTECTED_NAMESPACES.has(name)) throw forbidden(t.def, name, 'this namespace may not be deleted');
  if (!opts.internal) await admit(ctx, { t, caller, op: 'DELETE', verb, old, dryRun: opts.dryRun });
  const spec = old['spec'] as { finalizers?: string[] } | undefined;
  const isCrd = t.def.group === 'apiextensions.k8s.io' && t.def.plural === 'customresourcedefinitions';
  if (isCrd && !old.metadata.deletionTimestamp && !(old.metadata.finalizers ?? []).includes(CRD_CLEANUP)) old.metadata.finalizers = [...(old.metadata.finalizers ?? []), CRD_CLEANUP];
  const pending = (old.metadata.finalizers ?? []).length > 0 || (isNamespace && (spec?.finalizers ?? []).length > 0);
  if (pending) {
    if (old.metadata.deletionTimestamp) return { code: 200, body: present(t.def, t.version, old) };
    const next = clone(old);
    next.metadata.deletionTimestamp = nowTime();
    next.metadata.deletionGracePeriodSeconds = 0;
    if (t.def.generation) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    if (isNamespace) next['status'] = { ...(isJsonObject(next['status']) ? next['status'] : {}), phase: 'Terminating' };
    if (opts.dryRun) return { code: 200, body: present(t.def, t.version, next) };
    const stored = ctx.store.put(resKey(t.def), next);
    return { code: 200, body: present(t.def, t.version, stored) };
  }
  if (opts.dryRun) return { code: 200, body: t.def.returnDeletedObject ? present(t.def, t.version, old) : successStatus(t, old) };
  const removed = ctx.store.remove(resKey(t.def), old) ?? old;
  return { code: 200, body: t.def.returnDeletedObject ? present(t.def, t.version, removed) : successStatus(t, removed) };
}

export async function deleteCollection(ctx: Ctx, t: Target, caller: Caller, sel: { labels: LabelSelector; fields: FieldSelector }, opts: DeleteOptions): Promise<Result> {
  const items: KObject[] = [];
  for (const o of ctx.store.list(resKey(t.def))) {
    if (t.namespace !== undefined && o.metadata.namespace !== t.namespace) continue;
    if (!matchLabels(sel.labels, o.metadata.labels) || !matchFields(t.def, t.version, sel.fields, o)) continue;
    const r = await deleteObject(ctx, { ...t, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }, caller, o.metadata.name ?? '', opts, 'deletecollection');
    if (isJsonObject(r.body) && r.body['kind'] === t.def.kind) items.push(r.body as unknown as KObject);
    else items.push(present(t.def, t.version, o));
  }
  return { code: 200, body: { apiVersion: items[0]?.apiVersion ?? '', kind: t.def.listKind, metadata: { resourceVersion: String(ctx.store.currentRv()) }, items } };
}
