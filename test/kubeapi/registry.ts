// Which resources are served: the built-ins plus one entry per CustomResourceDefinition, built from
// the CRD the way apiextensions-apiserver reads it (names, scope, versions, schema, subresources,
// printer columns, selectable fields).
import { builtinResources } from './builtins.js';
import { isJsonObject, resourceKey, type JsonObject, type KObject, type PrinterColumn, type ResourceDef, type VersionDef } from './types.js';

export class Registry {
  private readonly defs = new Map<string, ResourceDef>();
  private readonly builtinKeys = new Set<string>();

  constructor() {
    for (const d of builtinResources()) {
      const k = resourceKey(d.group, d.plural);
      this.defs.set(k, d);
      this.builtinKeys.add(k);
    }
  }

  all(): ResourceDef[] {
    return [...this.defs.values()];
  }

  get(group: string, plural: string): ResourceDef | undefined {
    return this.defs.get(resourceKey(group, plural));
  }

  /** Resolves group/version/plural to a served resource and version. */
  lookup(group: string, version: string, plural: string): { def: ResourceDef; version: VersionDef } | undefined {
    const def = this.get(group, plural);
    const v = def?.versions.find((x) => x.name === version);
    return def && v ? { def, version: v } : undefined;
  }

  isBuiltin(def: ResourceDef): boolean {
    return this.builtinKeys.has(resourceKey(def.group, def.plural));
  }

  /** Groups in discovery order: core first, then the rest sorted by name. */
  groups(): { name: string; versions: string[] }[] {
    const m = new Map<string, string[]>();
    for (const d of this.defs.values()) {
      const vs = m.get(d.group) ?? [];
      for (const v of d.versions) if (!vs.includes(v.name)) vs.push(v.name);
      m.set(d.group, vs);
    }
    return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, versions]) => ({ name, versions: sortVersions(versions) }));
  }

  resourcesIn(group: string, version: string): { def: ResourceDef; version: VersionDef }[] {
    const out: { def: ResourceDef; version: VersionDef }[] = [];
    for (const def of this.defs.values()) {
      const v = def.group === group ? def.versions.find((x) => x.name === version) : undefined;
      if (v) out.push({ def, version: v });
    }
    return out.sort((a, b) => (a.def.plural < b.def.plural ? -1 : 1));
  }

  register(def: ResourceDef): void {
    this.defs.set(resourceKey(def.group, def.plural), def);
  }

  unregister(group: string, plural: string): void {
    const k = resourceKey(group, plural);
    if (!this.builtinKeys.has(k)) this.defs.delete(k);
  }
}

/** Kubernetes' version priority: GA > beta > alpha, higher numbers first (v1 > v1beta2 > v1alpha1 > foo). */
export function sortVersions(vs: string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  return [...vs].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return a < b ? -1 : 1;
  });
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strs = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === 'string');

/** The resource a CRD defines; only served versions are exposed. */
export function defFromCrd(crd: KObject): ResourceDef {
  const spec = crd['spec'] as JsonObject;
  const names = spec['names'] as JsonObject;
  const kind = String(names['kind']);
  const versions: VersionDef[] = arr(spec['versions']).filter(isJsonObject).filter((v) => v['served'] !== false).map((v) => {
    const schema = isJsonObject(v['schema']) && isJsonObject(v['schema']['openAPIV3Schema']) ? (v['schema']['openAPIV3Schema'] as JsonObject) : undefined;
    const subs = isJsonObject(v['subresources']) ? v['subresources'] : {};
    const cols = arr(v['additionalPrinterColumns']).filter(isJsonObject) as unknown as PrinterColumn[];
    const selectable = arr(v['selectableFields']).filter(isJsonObject).map((f) => String(f['jsonPath']).replace(/^\./, ''));
    return {
      name: String(v['name']),
      storage: v['storage'] === true,
      ...(schema ? { schema } : {}),
      ...(cols.length ? { printerColumns: cols } : {}),
      selectableFields: selectable,
      statusSubresource: isJsonObject(subs['status']),
    };
  });
  const namespaced = spec['scope'] === 'Namespaced';
  return {
    group: String(spec['group']),
    plural: String(names['plural']),
    singular: String(names['singular'] ?? kind.toLowerCase()),
    kind,
    listKind: String(names['listKind'] ?? `${kind}List`),
    namespaced,
    shortNames: strs(names['shortNames']),
    categories: strs(names['categories']),
    versions,
    custom: true,
    generation: true,
    allowUnconditionalUpdate: false,
    allowCreateOnUpdate: false,
    returnDeletedObject: true,
    nameRule: 'subdomain',
  };
}
