// PATCH in its four content types. The patch applies to the object in the requested version; a
// resourceVersion the patch sets is a precondition (409 when stale). Strategic merge patch is
// refused for custom resources with 415, as kube-apiserver does (configurable for tests).
import { parse as parseYaml } from 'yaml';
import { badRequest, conflict, notFound, unsupportedMediaType } from '../errors.js';
import { jsonPatch } from '../patch/jsonpatch.js';
import { serverSideApply } from '../patch/managed.js';
import { mergePatch } from '../patch/merge.js';
import { strategicMergePatch } from '../patch/strategic.js';
import { present } from '../present.js';
import { apiVersionOf, isJsonObject, type KObject } from '../types.js';
import { nowTime, resKey, type Caller, type Ctx, type Result, type Target, type WriteOptions } from './context.js';
import { asObject, checkTypeMeta, prepareUpdate } from './prepare.js';
import { commit, create } from './write.js';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

function parseBody(contentType: string, raw: string): unknown {
  try {
    return contentType === PATCH_TYPES.apply ? parseYaml(raw) : JSON.parse(raw);
  } catch (cause) {
    throw badRequest(`error decoding patch: ${(cause as Error).message}`);
  }
}

function acceptedTypes(ctx: Ctx, t: Target): string[] {
  const types: string[] = [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply];
  if (!t.def.custom || ctx.strategicMergeOnCustomResources === 'merge') types.push(PATCH_TYPES.strategic);
  return types;
}

export async function patch(ctx: Ctx, t: Target, caller: Caller, contentType: string, raw: string, o: WriteOptions): Promise<Result> {
  const type = contentType.split(';')[0]!.trim();
  if (!acceptedTypes(ctx, t).includes(type)) throw unsupportedMediaType(type, acceptedTypes(ctx, t));
  const body = parseBody(type, raw);
  if (type === PATCH_TYPES.apply) return apply(ctx, t, caller, body, o);
  const old = ctx.store.get(resKey(t.def), t.namespace, t.name ?? '');
  if (!old) throw notFound(t.def, t.name ?? '');
  const base = present(t.def, t.version, old);
  let patched: unknown;
  if (type === PATCH_TYPES.json) patched = jsonPatch(base, body);
  else if (type === PATCH_TYPES.merge || t.def.custom) patched = mergePatch(base, body);
  else patched = strategicMergePatch(base, body, t.def.mergeKeys ?? {});
  const obj = asObject(patched);
  checkTypeMeta(t, obj);
  if (obj.metadata.name !== t.name) throw badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${t.name})`);
  const rv = obj.metadata.resourceVersion;
  if (rv && rv !== old.metadata.resourceVersion) throw conflict(t.def, t.name ?? '');
  const next = prepareUpdate(t, old, obj);
  return commit(ctx, { t, caller, old, next, o, verb: 'patch' });
}

async function apply(ctx: Ctx, t: Target, caller: Caller, body: unknown, o: WriteOptions): Promise<Result> {
  if (!o.fieldManager) throw badRequest('PATCH request with apply-patch+yaml: fieldManager is required for apply requests');
  if (!isJsonObject(body)) throw badRequest('apply patch must be an object');
  const config = asObject(body);
  if (config.apiVersion === undefined || config.kind === undefined) throw badRequest('apply patch must set apiVersion and kind');
  checkTypeMeta(t, config);
  if (config.metadata.name !== undefined && config.metadata.name !== t.name) {
    throw badRequest(`the name of the object (${String(config.metadata.name)}) does not match the name on the URL (${t.name})`);
  }
  const old = ctx.store.get(resKey(t.def), t.namespace, t.name ?? '');
  const scope = { ...(t.subresource === 'status' ? { subresource: 'status' as const } : {}), statusIsSubresource: t.version.statusSubresource };
  const input = { config, manager: o.fieldManager, force: o.force, apiVersion: apiVersionOf(t.def.group, t.version.name), scope, now: nowTime() };
  if (!old) {
    if (t.subresource) throw notFound(t.def, t.name ?? '');
    const created = serverSideApply({ ...input, live: undefined });
    created.metadata.name = t.name;
    return create(ctx, t, caller, created, o, created.metadata.managedFields);
  }
  const rv = config.metadata.resourceVersion;
  if (rv && rv !== old.metadata.resourceVersion) throw conflict(t.def, t.name ?? '');
  const merged = serverSideApply({ ...input, live: present(t.def, t.version, old) as KObject });
  merged.metadata.resourceVersion = old.metadata.resourceVersion;
  const next = prepareUpdate(t, old, merged);
  next.metadata.managedFields = ctx.managedFields ? merged.metadata.managedFields : undefined;
  if (!ctx.managedFields) delete next.metadata.managedFields;
  return commit(ctx, { t, caller, old, next, o, verb: 'patch', managed: true });
}
