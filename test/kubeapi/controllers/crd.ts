// What apiextensions-apiserver's controllers do with a CRD: serve its resource as soon as it is
// stored, mark it NamesAccepted/Established (a separate write, as on a real cluster), reject
// malformed CRDs, and on deletion remove every custom resource before the CRD itself goes.
import { clone } from '../json.js';
import { defFromCrd } from '../registry.js';
import type { StoreEvent } from '../store.js';
import { resourceKey, storageVersion, type JsonObject, type KObject } from '../types.js';
import { resKey, type Ctx } from '../ops/context.js';
import { CRD_CLEANUP, deleteObject } from '../ops/delete.js';

export const CRD_RESOURCE = 'apiextensions.k8s.io/customresourcedefinitions';
const SYSTEM = { user: 'system:apiextensions-controller', groups: ['system:masters'] };

export class CrdController {
  private readonly scheduled = new Set<string>();

  constructor(private readonly ctx: Ctx) {
    ctx.store.onEvent((e) => this.onEvent(e));
  }

  private onEvent(e: StoreEvent): void {
    if (e.resource === CRD_RESOURCE) {
      const spec = e.object['spec'] as JsonObject;
      const names = spec['names'] as JsonObject;
      if (e.type === 'DELETED') {
        this.ctx.registry.unregister(String(spec['group']), String(names['plural']));
        this.ctx.store.dropResource(resourceKey(String(spec['group']), String(names['plural'])));
        this.ctx.hub.dropResource(String(spec['group']), String(names['plural']));
        return;
      }
      this.ctx.registry.register(defFromCrd(e.object));
      if (e.object.metadata.deletionTimestamp) this.schedule(`cleanup:${e.object.metadata.name}`, () => this.cleanup(e.object.metadata.name ?? ''));
      else if (!established(e.object)) this.schedule(`establish:${e.object.metadata.name}`, () => this.establish(e.object.metadata.name ?? ''));
      return;
    }
    if (e.type !== 'DELETED') return;
    const [group, plural] = e.resource.split('/') as [string, string];
    const crd = this.ctx.store.get(CRD_RESOURCE, undefined, `${plural}.${group}`);
    if (crd?.metadata.deletionTimestamp) this.schedule(`cleanup:${crd.metadata.name}`, () => this.cleanup(crd.metadata.name ?? ''));
  }

  private schedule(key: string, fn: () => Promise<void>): void {
    if (this.scheduled.has(key)) return;
    this.scheduled.add(key);
    setImmediate(() => {
      this.scheduled.delete(key);
      this.ctx.lock(fn).catch((err: unknown) => console.error(`kubeapi: ${key} failed`, err));
    });
  }

  private async establish(name: string): Promise<void> {
    const crd = this.ctx.store.get(CRD_RESOURCE, undefined, name);
    if (!crd || crd.metadata.deletionTimestamp || established(crd)) return;
    const spec = crd['spec'] as JsonObject;
    const names = clone(spec['names'] as JsonObject);
    names['singular'] ??= String(names['kind']).toLowerCase();
    names['listKind'] ??= `${String(names['kind'])}List`;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const cond = (type: string, reason: string, message: string): JsonObject => ({ type, status: 'True', lastTransitionTime: now, reason, message });
    crd['status'] = {
      conditions: [cond('NamesAccepted', 'NoConflicts', 'no conflicts found'), cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
      acceptedNames: names,
      storedVersions: [storageVersion(defFromCrd(crd)).name],
    };
    this.ctx.store.put(CRD_RESOURCE, crd);
  }

  private async cleanup(name: string): Promise<void> {
    const crd = this.ctx.store.get(CRD_RESOURCE, undefined, name);
    if (!crd?.metadata.deletionTimestamp) return;
    const def = defFromCrd(crd);
    const version = storageVersion(def);
    const objs = this.ctx.store.list(resKey(def));
    for (const o of objs) {
      if (o.metadata.deletionTimestamp) continue;
      const t = { def, version, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) };
      await deleteObject(this.ctx, t, SYSTEM, o.metadata.name ?? '', { dryRun: false, internal: true });
    }
    if (this.ctx.store.list(resKey(def)).length > 0) return;
    const fresh = this.ctx.store.get(CRD_RESOURCE, undefined, name);
    if (!fresh) return;
    fresh.metadata.finalizers = (fresh.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP);
    if (fresh.metadata.finalizers.length === 0) this.ctx.store.remove(CRD_RESOURCE, fresh, fresh);
    else this.ctx.store.put(CRD_RESOURCE, fresh);
  }
}

function established(crd: KObject): boolean {
  const conds = (crd['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conds.some((c) => c.type === 'Established' && c.status === 'True');
}
