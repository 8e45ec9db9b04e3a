// One HTTP request: authenticate (bearer token), resolve, log, apply injected faults, authorize,
// then serve a non-resource endpoint or a resource verb; errors become Status responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, forbidden, internal, pathNotFound, unauthorized } from '../errors.js';
import type { Controls, RequestRecord } from '../controls.js';
import type { Caller, Ctx } from '../ops/context.js';
import { sendError, sendJson } from './io.js';
import { serveNonResource, type VersionInfo } from './nonresource.js';
import { serveResource, verbOf } from './resource.js';
import { resolve, type Route } from './route.js';

export interface HandlerDeps {
  ctx: Ctx;
  controls: Controls;
  tokens: Map<string, Caller>;
  anonymous: boolean;
  version: VersionInfo;
  address: () => string;
  watchTimeoutSeconds?: number;
}

function authenticate(deps: HandlerDeps, req: IncomingMessage): Caller | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(.+)$/i.exec(h) : null;
  if (m) return deps.tokens.get(m[1]!.trim());
  return deps.anonymous ? { user: 'system:anonymous', groups: ['system:unauthenticated'] } : undefined;
}

export async function handle(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const caller = authenticate(deps, req);
  const base: Omit<RequestRecord, 'code' | 'at'> = { method, path: url.pathname, query: url.search, verb: 'nonresource', user: caller?.user ?? '', userAgent: String(req.headers['user-agent'] ?? '') };
  let code = 500;
  try {
    const route: Route | undefined = resolve(deps.ctx.registry, url.pathname);
    if (route) {
      const t = route.target;
      Object.assign(base, {
        verb: verbOf(method, t, url.searchParams, route.watchPrefix), group: t.def.group, resource: t.def.plural,
        ...(t.namespace !== undefined ? { namespace: t.namespace } : {}), ...(t.name ? { name: t.name } : {}), ...(t.subresource ? { subresource: t.subresource } : {}),
      });
    }
    const fault = deps.controls.takeFault(base);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.error) throw fault.error;
    if (!caller) throw unauthorized();
    if (!route) {
      const ans = serveNonResource(deps.ctx.registry, url.pathname, String(req.headers.accept ?? ''), { version: deps.version, address: deps.address() });
      if (!ans) throw pathNotFound();
      code = ans.code;
      if (ans.contentType) {
        res.writeHead(ans.code, { 'Content-Type': ans.contentType });
        res.end(ans.body as string | Buffer);
      } else sendJson(res, ans.code, ans.body);
      return;
    }
    const t = route.target;
    for (const authz of deps.ctx.authorizers) {
      const ok = authz({ user: caller.user, groups: caller.groups, verb: base.verb, group: t.def.group, resource: t.def.plural, ...(t.subresource ? { subresource: t.subresource } : {}), ...(t.namespace !== undefined ? { namespace: t.namespace } : {}), ...(t.name ? { name: t.name } : {}) });
      if (ok !== true) {
        const where = t.namespace !== undefined ? ` in the namespace "${t.namespace}"` : ' at the cluster scope';
        const why = typeof ok === 'string' ? ok : `User "${caller.user}" cannot ${base.verb} resource "${t.def.plural}${t.subresource ? `/${t.subresource}` : ''}" in API group "${t.def.group}"${where}`;
        throw forbidden(t.def, t.name ?? '', why);
      }
    }
    code = await serveResource({ ctx: deps.ctx, req, res, t, verb: base.verb, caller, query: url.searchParams, ...(deps.watchTimeoutSeconds ? { watchTimeoutSeconds: deps.watchTimeoutSeconds } : {}) });
  } catch (e) {
    const err = e instanceof ApiError ? e : internal((e as Error)?.message ?? String(e));
    if (!(e instanceof ApiError)) console.error('kubeapi: internal error', e);
    code = err.code;
    if (!res.headersSent) sendError(res, err);
    else res.end();
  } finally {
    deps.controls.record({ ...base, code, at: Date.now() });
  }
}
