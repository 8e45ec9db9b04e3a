// meta.k8s.io/v1 Table responses for `kubectl get`: Name plus a CRD's additionalPrinterColumns
// (or Age when it declares none), or a built-in kind's own columns. Dates become ages like "5m"
// on the server, as the apiserver's table convertor does.
import { jsonPath } from './jsonpath.js';
import { partialMetadata } from './present.js';
import type { KObject, PrinterColumn, ResourceDef, VersionDef } from './types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const NAME: PrinterColumn = { name: 'Name', type: 'string', format: 'name', jsonPath: '.metadata.name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names' };
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };

/** Human age the way Kubernetes prints it (duration.HumanDuration, shortened). */
export function humanAge(ts: string, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  return d < 730 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

function columnsOf(def: ResourceDef, version: VersionDef): PrinterColumn[] {
  if (def.table) return def.table.columns;
  return [NAME, ...(version.printerColumns?.length ? version.printerColumns : [AGE])];
}

function cell(col: PrinterColumn, v: unknown): unknown {
  if (v === undefined || v === null) return col.type === 'date' ? '<unknown>' : null;
  if (col.type === 'date' && typeof v === 'string') return humanAge(v);
  if (col.type === 'integer' || col.type === 'number' || col.type === 'boolean') return v;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function cellsOf(def: ResourceDef, version: VersionDef, o: KObject): unknown[] {
  const cols = columnsOf(def, version);
  if (def.table) return def.table.cells(o).map((v, i) => cell(cols[i]!, v));
  return cols.map((c) => cell(c, c === NAME ? o.metadata.name : jsonPath(o, c.jsonPath)[0]));
}

export function toTable(def: ResourceDef, version: VersionDef, objs: KObject[], include: IncludeObject, listMeta: Record<string, unknown>): object {
  const columnDefinitions = columnsOf(def, version).map((c) => ({
    name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0,
  }));
  const rows = objs.map((o) => ({
    cells: cellsOf(def, version, o),
    ...(include === 'None' ? {} : { object: include === 'Object' ? o : partialMetadata(o) }),
  }));
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, columnDefinitions, rows };
}
