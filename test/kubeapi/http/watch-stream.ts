// Serves a watch as a chunked stream of newline-delimited JSON events, with timeoutSeconds, and
// Table-shaped objects when kubectl asks for them (kubectl get -w).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest } from '../errors.js';
import { present } from '../present.js';
import type { FieldSelector, LabelSelector } from '../selectors.js';
import { toTable } from '../table.js';
import { apiVersionOf, type KObject } from '../types.js';
import type { Ctx, Target } from '../ops/context.js';
import type { WatchEventType } from '../watch.js';
import type { Shape } from './resource.js';

export interface WatchArgs {
  ctx: Ctx;
  req: IncomingMessage;
  res: ServerResponse;
  t: Target;
  shape: Shape;
  sel: { labels: LabelSelector; fields: FieldSelector };
  query: URLSearchParams;
  defaultTimeoutSeconds?: number;
}

export function serveWatch(a: WatchArgs): number {
  const { ctx, req, res, t, query: q } = a;
  const rv = q.get('resourceVersion') ?? undefined;
  if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${rv}`);
  const timeoutText = q.get('timeoutSeconds');
  const timeout = timeoutText ? Number(timeoutText) : a.defaultTimeoutSeconds;
  const gv = apiVersionOf(t.def.group, t.version.name);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const render = (type: WatchEventType, obj: KObject): unknown => {
    if (type === 'BOOKMARK') return { kind: t.def.kind, apiVersion: gv, metadata: obj.metadata };
    const shown = present(t.def, t.version, obj);
    if (a.shape === 'table') return toTable(t.def, t.version, [shown], 'Metadata', { resourceVersion: shown.metadata.resourceVersion });
    return shown;
  };
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    res.end();
  };
  const w = ctx.hub.start({
    def: t.def,
    version: t.version,
    ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
    labels: a.sel.labels,
    fields: a.sel.fields,
    ...(rv !== undefined ? { resourceVersion: rv } : {}),
    sendInitialEvents: q.get('sendInitialEvents') === 'true',
    bookmarks: q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1',
    render,
    write: (line) => {
      if (!ended) res.write(line);
    },
    end,
    abort: () => {
      ended = true;
      res.destroy();
    },
  });
  if (!w) return 200;
  const timer = timeout && timeout > 0 ? setTimeout(() => w.close(), timeout * 1000) : undefined;
  const cleanup = (): void => {
    if (timer) clearTimeout(timer);
    w.close();
  };
  req.on('close', cleanup);
  res.on('close', cleanup);
  return 200;
}
