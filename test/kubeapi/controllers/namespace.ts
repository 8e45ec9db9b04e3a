// The namespace controller: a terminating Namespace has its content deleted (objects with
// finalizers linger until their finalizers are removed), then loses its "kubernetes" finalizer and
// disappears.
import type { StoreEvent } from '../store.js';
import { storageVersion, type KObject } from '../types.js';
import { resKey, type Ctx } from '../ops/context.js';
import { deleteObject } from '../ops/delete.js';

const NS_RESOURCE = '/namespaces';
const SYSTEM = { user: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:serviceaccounts'] };

export class NamespaceController {
  private readonly scheduled = new Set<string>();

  constructor(private readonly ctx: Ctx) {
    ctx.store.onEvent((e) => this.onEvent(e));
  }

  private onEvent(e: StoreEvent): void {
    if (e.resource === NS_RESOURCE) {
      if (e.type !== 'DELETED' && e.object.metadata.deletionTimestamp) this.schedule(e.object.metadata.name ?? '');
      return;
    }
    const ns = e.object.metadata.namespace;
    if (e.type === 'DELETED' && ns && this.ctx.store.get(NS_RESOURCE, undefined, ns)?.metadata.deletionTimestamp) this.schedule(ns);
  }

  private schedule(ns: string): void {
    if (this.scheduled.has(ns)) return;
    this.scheduled.add(ns);
    setImmediate(() => {
      this.scheduled.delete(ns);
      this.ctx.lock(() => this.sweep(ns)).catch((err: unknown) => console.error(`kubeapi: namespace ${ns} cleanup failed`, err));
    });
  }

  private async sweep(ns: string): Promise<void> {
    const nsObj = this.ctx.store.get(NS_RESOURCE, undefined, ns);
    if (!nsObj?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const def of this.ctx.registry.all().filter((d) => d.namespaced)) {
      for (const o of this.ctx.store.list(resKey(def)).filter((x) => x.metadata.namespace === ns)) {
        remaining++;
        if (o.metadata.deletionTimestamp) continue;
        await deleteObject(this.ctx, { def, version: storageVersion(def), namespace: ns }, SYSTEM, o.metadata.name ?? '', { dryRun: false, internal: true });
      }
    }
    const left = this.ctx.registry.all().filter((d) => d.namespaced).some((d) => this.ctx.store.list(resKey(d)).some((x) => x.metadata.namespace === ns));
    if (remaining > 0 && left) return;
    const fresh = this.ctx.store.get(NS_RESOURCE, undefined, ns);
    if (!fresh) return;
    const spec = (fresh['spec'] ?? {}) as { finalizers?: string[] };
    spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== 'kubernetes');
    fresh['spec'] = spec;
    if ((fresh.metadata.finalizers ?? []).length === 0 && spec.finalizers.length === 0) this.ctx.store.remove(NS_RESOURCE, fresh, fresh as KObject);
    else this.ctx.store.put(NS_RESOURCE, fresh);
  }
}
