// Dispatches a resolved resource request to the operation for its verb, and shapes list/get
// answers (plain, metadata-only, or Table) from the Accept header.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, methodNotAllowed, notFound } from '../errors.js';
import { partialMetadata, present } from '../present.js';
import { checkFieldSelector, parseFieldSelector, parseLabelSelector } from '../selectors.js';
import { toTable, type IncludeObject } from '../table.js';
import { apiVersionOf, type KObject } from '../types.js';
import type { Caller, Ctx, Result, Target, WriteOptions } from '../ops/context.js';
import { resKey } from '../ops/context.js';
import { deleteCollection, deleteObject, parseDeleteOptions } from '../ops/delete.js';
import { patch } from '../ops/patch.js';
import { getObject, listObjects } from '../ops/read.js';
import { create, commit, update } from '../ops/write.js';
import { prepareUpdate } from '../ops/prepare.js';
import { decodeBody, readBody, sendJson } from './io.js';
import { serveWatch } from './watch-stream.js';

export type Shape = 'object' | 'table' | 'metadata';

export function shapeOf(accept: string | undefined): Shape {
  const a = accept ?? '';
  const first = a.split(',')[0] ?? '';
  if (first.includes('as=Table')) return 'table';
  if (first.includes('as=PartialObjectMetadata')) return 'metadata';
  return 'object';
}

export function verbOf(method: string, t: Target, query: URLSearchParams, watchPrefix: boolean): string {
  const watch = watchPrefix || query.get('watch') === 'true' || query.get('watch') === '1';
  switch (method) {
    case 'GET': case 'HEAD': return watch ? 'watch' : t.name ? 'get' : 'list';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return t.name ? 'delete' : 'deletecollection';
    default: return method.toLowerCase();
  }
}

function writeOptions(q: URLSearchParams, req: IncomingMessage): WriteOptions {
  const fv = q.get('fieldValidation');
  const fieldValidation = fv === 'Strict' || fv === 'Ignore' || fv === 'Warn' ? fv : 'Warn';
  if (fv && fv !== fieldValidation) throw badRequest(`fieldValidation must be one of "Ignore", "Warn", "Strict": got ${fv}`);
  const fm = q.get('fieldManager');
  return { dryRun: q.getAll('dryRun').includes('All'), ...(fm ? { fieldManager: fm } : {}), fieldValidation, force: q.get('force') === 'true', userAgent: String(req.headers['user-agent'] ?? '') };
}

function includeOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function listBody(t: Target, shape: Shape, q: URLSearchParams, items: KObject[], metadata: Record<string, unknown>): unknown {
  if (shape === 'table') return toTable(t.def, t.version, items, includeOf(q), metadata);
  if (shape === 'metadata') return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadataList', metadata, items: items.map(partialMetadata) };
  return { apiVersion: apiVersionOf(t.def.group, t.version.name), kind: t.def.listKind, metadata, items };
}

function objectBody(t: Target, shape: Shape, q: URLSearchParams, o: KObject): unknown {
  if (shape === 'table') return toTable(t.def, t.version, [o], includeOf(q), { resourceVersion: o.metadata.resourceVersion });
  if (shape === 'metadata') return partialMetadata(o);
  return o;
}

function selectors(t: Target, q: URLSearchParams): { labels: ReturnType<typeof parseLabelSelector>; fields: ReturnType<typeof parseFieldSelector> } {
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
  checkFieldSelector(t.def, t.version, fields);
  return { labels: parseLabelSelector(q.get('labelSelector') ?? undefined), fields };
}

/** PUT /api/v1/namespaces/<name>/finalize: only spec.finalizers changes. */
async function finalize(ctx: Ctx, t: Target, caller: Caller, body: unknown, o: WriteOptions): Promise<Result> {
  const old = ctx.store.get(resKey(t.def), undefined, t.name ?? '');
  if (!old) throw notFound(t.def, t.name ?? '');
  const incoming = structuredClone(old);
  const spec = (body as { spec?: { finalizers?: string[] } } | undefined)?.spec;
  incoming['spec'] = { ...(old['spec'] as object), finalizers: spec?.finalizers ?? [] };
  const next = prepareUpdate({ ...t, subresource: undefined } as Target, old, incoming);
  return commit(ctx, { t, caller, old, next, o, verb: 'update' });
}

export async function serveResource(args: { ctx: Ctx; req: IncomingMessage; res: ServerResponse; t: Target; verb: string; caller: Caller; query: URLSearchParams; watchTimeoutSeconds?: number }): Promise<number> {
  const { ctx, req, res, t, verb, caller, query: q } = args;
  const shape = shapeOf(req.headers.accept);
  const write = (r: Result): number => {
    const body = shape === 'object' || !(r.body as KObject)?.metadata ? r.body : objectBody(t, shape, q, r.body as KObject);
    sendJson(res, r.code, body, r.warnings);
    return r.code;
  };
  switch (verb) {
    case 'get': return write({ code: 200, body: getObject(ctx, t) });
    case 'list': {
      const sel = selectors(t, q);
      const limit = q.get('limit');
      const out = listObjects(ctx, t, {
        ...sel,
        ...(limit ? { limit: Number(limit) } : {}),
        ...(q.get('continue') ? { continueToken: q.get('continue')! } : {}),
        ...(q.get('resourceVersion') !== null ? { resourceVersion: q.get('resourceVersion')! } : {}),
        ...(q.get('resourceVersionMatch') ? { resourceVersionMatch: q.get('resourceVersionMatch')! } : {}),
      });
      sendJson(res, 200, listBody(t, shape, q, out.items, out.metadata));
      return 200;
    }
    case 'watch': {
      const sel = selectors(t, q);
      if (t.name) sel.fields.push({ field: 'metadata.name', neq: false, value: t.name });
      return serveWatch({ ctx, req, res, t, shape, sel, query: q, ...(args.watchTimeoutSeconds ? { defaultTimeoutSeconds: args.watchTimeoutSeconds } : {}) });
    }
    default: break;
  }
  const raw = await readBody(req);
  if (verb === 'delete' || verb === 'deletecollection') {
    const opts = parseDeleteOptions(decodeBody(req.headers['content-type'], raw), q);
    if (verb === 'delete') return write(await ctx.lock(() => deleteObject(ctx, t, caller, t.name ?? '', opts)));
    const out = await ctx.lock(() => deleteCollection(ctx, t, caller, selectors(t, q), opts));
    sendJson(res, out.code, out.body);
    return out.code;
  }
  const o = writeOptions(q, req);
  if ((verb === 'update' || verb === 'patch') && !t.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
  switch (verb) {
    case 'create':
      if (t.name || t.subresource) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      return write(await ctx.lock(() => create(ctx, t, caller, decodeBody(req.headers['content-type'], raw), o)));
    case 'update':
      if (t.subresource === 'finalize') return write(await ctx.lock(() => finalize(ctx, t, caller, decodeBody(req.headers['content-type'], raw), o)));
      return write(await ctx.lock(() => update(ctx, t, caller, decodeBody(req.headers['content-type'], raw), o)));
    case 'patch':
      return write(await ctx.lock(() => patch(ctx, t, caller, String(req.headers['content-type'] ?? ''), raw, o)));
    default:
      throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
}

export { present };
