// create, update (PUT) and the commit step shared with patch: preconditions, validation, admission,
// managedFields, the no-op short-circuit, and finalization when the last finalizer goes away.
import { alreadyExists, badRequest, conflict, forbidden, invalid, methodNotAllowed, notFound, ApiError } from '../errors.js';
import { present } from '../present.js';
import { recordUpdate } from '../patch/managed.js';
import { apiVersionOf, type KObject, type ManagedFieldsEntry } from '../types.js';
import { admit, checkFinalizers, checkObject } from './admit.js';
import { generatedName, managerOf, nowTime, resKey, type Caller, type Ctx, type Result, type Target, type WriteOptions } from './context.js';
import { asObject, checkTypeMeta, prepareCreate, prepareUpdate, unchanged } from './prepare.js';

const scopeOf = (t: Target): { subresource?: 'status'; statusIsSubresource: boolean } => ({
  ...(t.subresource === 'status' ? { subresource: 'status' as const } : {}),
  statusIsSubresource: t.version.statusSubresource,
});

function namespaceGate(ctx: Ctx, t: Target): void {
  if (!t.def.namespaced) return;
  const ns = ctx.store.get('/namespaces', undefined, t.namespace ?? '');
  if (!ns) throw new ApiError(404, 'NotFound', `namespaces "${t.namespace}" not found`, { name: t.namespace ?? '', kind: 'namespaces' });
  if (ns.metadata.deletionTimestamp) {
    throw forbidden(t.def, '', `unable to create new content in namespace ${t.namespace} because it is being terminated`);
  }
}

function crdGate(ctx: Ctx, t: Target): void {
  if (!t.def.custom) return;
  const crd = ctx.store.get('apiextensions.k8s.io/customresourcedefinitions', undefined, `${t.def.plural}.${t.def.group}`);
  if (crd?.metadata.deletionTimestamp) throw methodNotAllowed(`create not allowed while custom resource definition is terminating`);
}

/** Sets namespace/name from the URL, rejecting a body that names another namespace. */
export function placeObject(t: Target, o: KObject): void {
  if (t.def.namespaced) {
    if (o.metadata.namespace && o.metadata.namespace !== t.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    o.metadata.namespace = t.namespace ?? '';
  } else delete o.metadata.namespace;
}

/** `managed`: managedFields computed by server-side apply for an apply that creates. */
export async function create(ctx: Ctx, t: Target, caller: Caller, body: unknown, o: WriteOptions, managed?: ManagedFieldsEntry[]): Promise<Result> {
  const obj = asObject(body);
  checkTypeMeta(t, obj);
  placeObject(t, obj);
  if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = generatedName(obj.metadata.generateName);
  if (!obj.metadata.name) throw invalid(t.def, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
  namespaceGate(ctx, t);
  crdGate(ctx, t);
  if (ctx.store.get(resKey(t.def), t.namespace, obj.metadata.name)) throw alreadyExists(t.def, obj.metadata.name);
  prepareCreate(t, obj);
  const { warnings } = checkObject(ctx, t, obj, undefined, o);
  await admit(ctx, { t, caller, op: 'CREATE', verb: 'create', obj, dryRun: o.dryRun });
  if (ctx.managedFields) {
    obj.metadata.managedFields = managed ?? recordUpdate({ old: undefined, next: obj, manager: managerOf(o), apiVersion: apiVersionOf(t.def.group, t.version.name), scope: scopeOf(t), now: nowTime() });
  }
  if (o.dryRun) return { code: 201, body: present(t.def, t.version, obj), warnings };
  const stored = ctx.store.put(resKey(t.def), obj);
  return { code: 201, body: present(t.def, t.version, stored), warnings };
}

/** Stores `next` as the successor of `old` (both in storage form) after every check. */
export async function commit(ctx: Ctx, args: { t: Target; caller: Caller; old: KObject; next: KObject; o: WriteOptions; verb: string; managed?: boolean }): Promise<Result> {
  const { t, old, next, o } = args;
  checkFinalizers(t, old, next);
  const { warnings } = checkObject(ctx, t, next, old, o);
  await admit(ctx, { t, caller: args.caller, op: 'UPDATE', verb: args.verb, obj: next, old, dryRun: o.dryRun });
  if (ctx.managedFields && !args.managed) {
    next.metadata.managedFields = recordUpdate({ old, next, manager: managerOf(o), apiVersion: apiVersionOf(t.def.group, t.version.name), scope: scopeOf(t), now: nowTime() });
  } else if (!ctx.managedFields) delete next.metadata.managedFields;
  if (unchanged(old, next)) return { code: 200, body: present(t.def, t.version, old), warnings };
  if (o.dryRun) return { code: 200, body: present(t.def, t.version, next), warnings };
  const current = ctx.store.get(resKey(t.def), t.namespace, old.metadata.name ?? '');
  if (!current || current.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(t.def, old.metadata.name ?? '');
  if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && !pendingNamespaceFinalizers(t, next)) {
    const gone = ctx.store.remove(resKey(t.def), next, next);
    return { code: 200, body: present(t.def, t.version, gone ?? next), warnings };
  }
  const stored = ctx.store.put(resKey(t.def), next);
  return { code: 200, body: present(t.def, t.version, stored), warnings };
}

/** A terminating Namespace also waits for spec.finalizers (the namespace controller's "kubernetes"). */
function pendingNamespaceFinalizers(t: Target, o: KObject): boolean {
  if (t.def.group !== '' || t.def.plural !== 'namespaces') return false;
  const spec = o['spec'] as { finalizers?: string[] } | undefined;
  return (spec?.finalizers ?? []).length > 0;
}

export async function update(ctx: Ctx, t: Target, caller: Caller, body: unknown, o: WriteOptions): Promise<Result> {
  const obj = asObject(body);
  checkTypeMeta(t, obj);
  if (obj.metadata.name !== undefined && obj.metadata.name !== t.name) {
    throw badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${t.name})`);
  }
  placeObject(t, obj);
  obj.metadata.name = t.name;
  const old = ctx.store.get(resKey(t.def), t.namespace, t.name ?? '');
  if (!old) {
    if (t.def.allowCreateOnUpdate && !t.subresource) return create(ctx, t, caller, obj, o);
    throw notFound(t.def, t.name ?? '');
  }
  const rv = obj.metadata.resourceVersion;
  if (!rv && !t.def.allowUnconditionalUpdate) {
    throw invalid(t.def, t.name ?? '', [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0x0: must be specified for an update', field: 'metadata.resourceVersion' }]);
  }
  if (rv && rv !== old.metadata.resourceVersion) throw conflict(t.def, t.name ?? '');
  const next = prepareUpdate(t, old, obj);
  return commit(ctx, { t, caller, old, next, o, verb: 'update' });
}
