// get and list. A list carries the store's current resourceVersion; limit/continue paginate over a
// consistent snapshot (rebuilt from the event log), and a continue token or an Exact
// resourceVersion older than the compaction point is answered with 410 Expired.
import { badRequest, gone, notFound } from '../errors.js';
import { present } from '../present.js';
import { matchFields, matchLabels, type FieldSelector, type LabelSelector } from '../selectors.js';
import type { KObject } from '../types.js';
import { resKey, type Ctx, type Target } from './context.js';

export interface ListQuery {
  labels: LabelSelector;
  fields: FieldSelector;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export function getObject(ctx: Ctx, t: Target): KObject {
  const o = ctx.store.get(resKey(t.def), t.namespace, t.name ?? '');
  if (!o) throw notFound(t.def, t.name ?? '');
  return present(t.def, t.version, o);
}

interface Token { rv: number; start: string }

function decodeToken(s: string): Token {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Token;
    if (typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('shape');
    return t;
  } catch {
    throw badRequest(`continue key is not valid: ${s}`);
  }
}

const encodeToken = (t: Token): string => Buffer.from(JSON.stringify(t)).toString('base64url');
const keyOf = (o: KObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export function listObjects(ctx: Ctx, t: Target, q: ListQuery): { items: KObject[]; metadata: Record<string, unknown> } {
  const res = resKey(t.def);
  let snapshotRv = ctx.store.currentRv();
  let all: KObject[] | undefined;
  let start = '';
  if (q.continueToken) {
    const tok = decodeToken(q.continueToken);
    all = ctx.store.listAt(res, tok.rv);
    if (!all) throw gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
    snapshotRv = tok.rv;
    start = tok.start;
  } else if (q.resourceVersionMatch === 'Exact' && q.resourceVersion) {
    const rv = Number(q.resourceVersion);
    if (!Number.isInteger(rv)) throw badRequest(`invalid resource version: ${q.resourceVersion}`);
    all = ctx.store.listAt(res, rv);
    if (!all) throw gone(`too old resource version: ${rv} (${ctx.store.compactedRv() + 1})`);
    snapshotRv = rv;
  } else {
    all = ctx.store.list(res);
  }
  const matched = all.filter((o) =>
    (t.namespace === undefined || o.metadata.namespace === t.namespace) &&
    keyOf(o) > start &&
    matchLabels(q.labels, o.metadata.labels) &&
    matchFields(t.def, t.version, q.fields, o),
  );
  const metadata: Record<string, unknown> = { resourceVersion: String(snapshotRv) };
  let items = matched;
  if (q.limit && q.limit > 0 && matched.length > q.limit) {
    items = matched.slice(0, q.limit);
    metadata['continue'] = encodeToken({ rv: snapshotRv, start: keyOf(items[items.length - 1]!) });
    metadata['remainingItemCount'] = matched.length - q.limit;
  }
  return { items: items.map((o) => present(t.def, t.version, o)), metadata };
}
