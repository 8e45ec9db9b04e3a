// Legacy (unaggregated) discovery documents: /api, /api/v1, /apis, /apis/<group>,
// /apis/<group>/<version>. Clients that ask for aggregated discovery (apidiscovery.k8s.io) fall
// back to these when the response is plain application/json, as kubectl and client-go do.
import { sortVersions, type Registry } from './registry.js';
import { apiVersionOf, type ResourceDef, type VersionDef } from './types.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(name: string, versions: string[]): object {
  const gvs = sortVersions(versions).map((v) => ({ groupVersion: apiVersionOf(name, v), version: v }));
  return { name, versions: gvs, preferredVersion: gvs[0] };
}

export function apiGroupList(reg: Registry): object {
  const groups = reg.groups().filter((g) => g.name !== '').map((g) => groupEntry(g.name, g.versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(reg: Registry, group: string): object | undefined {
  const g = reg.groups().find((x) => x.name === group && group !== '');
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g.name, g.versions) } : undefined;
}

function subresources(def: ResourceDef, v: VersionDef): string[] {
  const out: string[] = [];
  if (v.statusSubresource) out.push('status');
  if (def.group === '' && def.plural === 'namespaces') out.push('finalize');
  return out;
}

export function apiResourceList(reg: Registry, group: string, version: string): object | undefined {
  const entries = reg.resourcesIn(group, version);
  if (entries.length === 0) return undefined;
  const resources: object[] = [];
  for (const { def, version: v } of entries) {
    resources.push({
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: VERBS,
      ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
      ...(def.categories.length ? { categories: def.categories } : {}),
    });
    for (const sub of subresources(def, v)) {
      const verbs = sub === 'finalize' ? ['update'] : ['get', 'patch', 'update'];
      resources.push({ name: `${def.plural}/${sub}`, singularName: '', namespaced: def.namespaced, kind: def.kind, verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}
