// metadata.managedFields and server-side apply. Ownership is tracked per manager as a set of leaf
// field paths (maps are descended; lists and scalars are atomic leaves). Apply merges the applied
// configuration into the live object, removes fields the manager applied before and dropped now
// (unless someone else owns them), and reports conflicts with other managers who own a field
// holding a different value (force=true takes ownership instead). Update-style writes record the
// fields they changed under their manager and take them away from other managers.
import { ApiError } from '../errors.js';
import { clone, deepEqual } from '../json.js';
import { isJsonObject, type JsonObject, type KObject, type ManagedFieldsEntry } from '../types.js';

type Path = string[];
const SKIP_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink']);

/** Which part of the object a write may own: the main resource (without status when it is a subresource) or only status. */
export interface Scope {
  subresource?: 'status';
  statusIsSubresource: boolean;
}

function inScope(top: string, scope: Scope): boolean {
  if (top === 'apiVersion' || top === 'kind') return false;
  if (scope.subresource === 'status') return top === 'status';
  return !(scope.statusIsSubresource && top === 'status');
}

export function leafPaths(obj: unknown, scope: Scope): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, p: Path): void => {
    if (isJsonObject(v) && Object.keys(v).length > 0) {
      for (const [k, x] of Object.entries(v)) {
        if (p.length === 0 && !inScope(k, scope)) continue;
        if (p.length === 1 && p[0] === 'metadata' && SKIP_META.has(k)) continue;
        walk(x, [...p, k]);
      }
    } else if (p.length > 0) out.push(p);
  };
  walk(obj, []);
  return out;
}

const key = (p: Path): string => JSON.stringify(p);

function getAt(obj: unknown, p: Path): unknown {
  let cur = obj;
  for (const s of p) cur = isJsonObject(cur) ? cur[s] : undefined;
  return cur;
}

function deleteAt(obj: unknown, p: Path): void {
  const parent = getAt(obj, p.slice(0, -1));
  if (isJsonObject(parent)) delete parent[p[p.length - 1]!];
}

export function encodeFields(paths: Path[]): JsonObject {
  const root: JsonObject = {};
  for (const p of paths) {
    let cur = root;
    for (const s of p) cur = (cur[`f:${s}`] ??= {}) as JsonObject;
  }
  return root;
}

export function decodeFields(f: unknown, prefix: Path = []): Path[] {
  if (!isJsonObject(f)) return [];
  const kids = Object.keys(f).filter((k) => k.startsWith('f:'));
  if (kids.length === 0) return prefix.length ? [prefix] : [];
  return kids.flatMap((k) => decodeFields(f[k], [...prefix, k.slice(2)]));
}

/** True when a and b are the same path or one contains the other. */
const overlaps = (a: Path, b: Path): boolean => a.slice(0, b.length).every((s, i) => s === b[i]) || b.slice(0, a.length).every((s, i) => s === a[i]);

function applyMerge(live: unknown, cfg: unknown): unknown {
  if (!isJsonObject(cfg) || !isJsonObject(live)) return clone(cfg);
  const out: JsonObject = clone(live);
  for (const [k, v] of Object.entries(cfg)) out[k] = applyMerge(out[k], v) as never;
  return out;
}

export interface ApplyInput {
  live: KObject | undefined;
  config: KObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  scope: Scope;
  now: string;
}

const sameEntry = (e: ManagedFieldsEntry, manager: string, op: 'Apply' | 'Update', scope: Scope): boolean =>
  e.manager === manager && e.operation === op && (e.subresource ?? '') === (scope.subresource ?? '');

/** Server-side apply; returns the merged object with its new managedFields. */
export function serverSideApply(input: ApplyInput): KObject {
  const { config, manager, scope } = input;
  const live = input.live ? clone(input.live) : ({ metadata: {} } as KObject);
  const entries = clone(live.metadata.managedFields ?? []);
  const cfgPaths = leafPaths(config, scope);
  const conflicts: { who: ManagedFieldsEntry; path: Path }[] = [];
  for (const e of entries) {
    if (e.manager === manager) continue;
    for (const owned of decodeFields(e.fieldsV1)) {
      const hit = cfgPaths.find((p) => overlaps(p, owned));
      if (hit && !deepEqual(getAt(live, owned), getAt(applyMerge(live, config), owned))) conflicts.push({ who: e, path: owned });
    }
  }
  if (conflicts.length && !input.force) {
    const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.who.manager}"${c.who.operation === 'Update' ? ` using ${c.who.apiVersion}` : ''}`, field: `.${c.path.join('.')}` }));
    const list = causes.map((c) => `${c.message}: ${c.field}`).join('\n- ');
    throw new ApiError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts.length > 1 ? `\n- ${list}` : list}`, { causes });
  }
  for (const c of conflicts) {
    const rest = decodeFields(c.who.fieldsV1).filter((p) => key(p) !== key(c.path));
    c.who.fieldsV1 = encodeFields(rest);
  }
  const mine = entries.find((e) => sameEntry(e, manager, 'Apply', scope));
  const cfgKeys = new Set(cfgPaths.map(key));
  const othersOwn = (p: Path): boolean => entries.some((e) => e !== mine && decodeFields(e.fieldsV1).some((o) => overlaps(o, p)));
  let merged = live as unknown;
  for (const p of mine ? decodeFields(mine.fieldsV1) : []) {
    if (!cfgKeys.has(key(p)) && !cfgPaths.some((c) => overlaps(c, p)) && !othersOwn(p)) deleteAt(merged, p);
  }
  merged = applyMerge(merged, config);
  const result = merged as KObject;
  const entry: ManagedFieldsEntry = { manager, operation: 'Apply', apiVersion: input.apiVersion, time: input.now, fieldsType: 'FieldsV1', fieldsV1: encodeFields(cfgPaths), ...(scope.subresource ? { subresource: scope.subresource } : {}) };
  const kept = entries.filter((e) => e !== mine && decodeFields(e.fieldsV1).length > 0);
  result.metadata.managedFields = [...kept, entry];
  return result;
}

export interface UpdateInput {
  old: KObject | undefined;
  next: KObject;
  manager: string;
  apiVersion: string;
  scope: Scope;
  now: string;
}

/** Records an update-style write (create, update, non-apply patch) in managedFields. */
export function recordUpdate(input: UpdateInput): ManagedFieldsEntry[] {
  const { old, next, manager, scope } = input;
  const entries = clone(old?.metadata.managedFields ?? []);
  const nextPaths = leafPaths(next, scope);
  const nextKeys = new Set(nextPaths.map(key));
  const changed = nextPaths.filter((p) => !old || !deepEqual(getAt(old, p), getAt(next, p)));
  const changedKeys = new Set(changed.map(key));
  for (const e of entries) {
    const kept = decodeFields(e.fieldsV1).filter((p) => {
      const stillThere = nextKeys.has(key(p)) || !inScope(p[0]!, scope);
      return stillThere && (e.manager === manager && e.operation === 'Update' ? true : !changedKeys.has(key(p)));
    });
    e.fieldsV1 = encodeFields(kept);
  }
  let mine = entries.find((e) => sameEntry(e, manager, 'Update', scope));
  if (changed.length) {
    if (!mine) {
      mine = { manager, operation: 'Update', apiVersion: input.apiVersion, time: input.now, fieldsType: 'FieldsV1', fieldsV1: {}, ...(scope.subresource ? { subresource: scope.subresource } : {}) };
      entries.push(mine);
    }
    const all = new Map(decodeFields(mine.fieldsV1).map((p) => [key(p), p]));
    for (const p of changed) all.set(key(p), p);
    mine.fieldsV1 = encodeFields([...all.values()]);
    mine.time = input.now;
    mine.apiVersion = input.apiVersion;
  }
  return entries.filter((e) => decodeFields(e.fieldsV1).length > 0);
}
