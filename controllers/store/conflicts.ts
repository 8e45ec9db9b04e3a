// Cross-object conflicts, kept up to date per batch in O(objects touched) instead of re-judging
// every object: objects only influence each other through shared resources (a netns name, a host
// port, an interface in a sandbox...), so after a batch only the objects connected to the changed
// ones through shared resources are judged again, by the same validator, together with the
// accepted networks they are judged against. A Network change (or no resource function) judges
// everything, as before.
import type { FieldError, Resource } from '../../api/v1alpha1/types.js';

export type CrossValidator = (objects: readonly Resource[]) => readonly { key: string; errors: FieldError[] }[];
export type ResourcesOf = (obj: Resource) => string[] | undefined;

export class ConflictTracker {
  private conflicts = new Map<string, FieldError[]>();
  /** Resource ids per key, and keys per resource id, as of the last update. */
  private readonly held = new Map<string, string[]>();
  private readonly holders = new Map<string, Set<string>>();
  private judgedOnce = false;

  constructor(
    private readonly validate: CrossValidator,
    private readonly resourcesOf?: ResourcesOf,
  ) {}

  get(key: string): FieldError[] | undefined {
    return this.conflicts.get(key);
  }

  /**
   * Re-judges after the objects under `changed` were put or deleted (`objects` is the store now).
   * Returns the keys whose conflicts changed, with their previous errors.
   */
  update(objects: ReadonlyMap<string, { object: Resource }>, changed: Iterable<string>): Map<string, FieldError[] | undefined> {
    const keys = [...changed];
    const partial = this.judgedOnce && this.resourcesOf !== undefined && keys.every((k) => !k.startsWith('Network/'));
    this.judgedOnce = true;
    const scope = partial ? this.closure(objects, keys) : new Set(objects.keys());
    if (!partial) {
      this.held.clear();
      this.holders.clear();
    }
    for (const k of partial ? [...scope] : objects.keys()) this.reindex(k, objects.get(k)?.object);
    const judged: Resource[] = [];
    if (partial) {
      // The networks these objects are judged against: the accepted ones, as the full pass has them.
      for (const [k, o] of objects) if (k.startsWith('Network/') && !this.conflicts.has(k)) judged.push(o.object);
    }
    for (const k of scope) {
      const o = objects.get(k);
      if (o) judged.push(o.object);
    }
    const next = new Map<string, FieldError[]>();
    for (const loser of this.validate(judged)) next.set(loser.key, loser.errors);
    const diff = new Map<string, FieldError[] | undefined>();
    const before = partial ? [...scope].filter((k) => this.conflicts.has(k)) : [...this.conflicts.keys()];
    for (const k of new Set([...before, ...next.keys()])) {
      const old = this.conflicts.get(k);
      const now = next.get(k);
      if (JSON.stringify(old ?? []) !== JSON.stringify(now ?? [])) diff.set(k, old);
    }
    if (partial) {
      for (const k of scope) this.conflicts.delete(k);
      for (const [k, e] of next) this.conflicts.set(k, e);
    } else this.conflicts = next;
    return diff;
  }

  /** The changed keys and every key connected to them through shared resources (old or new). */
  private closure(objects: ReadonlyMap<string, { object: Resource }>, start: string[]): Set<string> {
    const seen = new Set<string>(start);
    const queue = [...start];
    const visitedIds = new Set<string>();
    while (queue.length > 0) {
      const k = queue.pop()!;
      const obj = objects.get(k)?.object;
      const ids = [...(this.held.get(k) ?? []), ...((obj && this.resourcesOf!(obj)) ?? [])];
      for (const id of ids) {
        if (visitedIds.has(id)) continue;
        visitedIds.add(id);
        for (const other of this.holders.get(id) ?? []) {
          if (!seen.has(other)) {
            seen.add(other);
            queue.push(other);
          }
        }
      }
    }
    return seen;
  }

  private reindex(key: string, obj: Resource | undefined): void {
    for (const id of this.held.get(key) ?? []) {
      const s = this.holders.get(id);
      s?.delete(key);
      if (s?.size === 0) this.holders.delete(id);
    }
    this.held.delete(key);
    const ids = obj && this.resourcesOf?.(obj);
    if (!ids) return;
    this.held.set(key, ids);
    for (const id of ids) (this.holders.get(id) ?? this.holders.set(id, new Set()).get(id)!).add(key);
  }
}
