// A source whose objects are given up front (a loaded directory for `nodenet plan`), with
// methods to change them later (tests).
import { keyOf } from '../../api/v1alpha1/defaults.js';
import type { Resource } from '../../api/v1alpha1/types.js';
import { specHash } from '../source/file/spec-hash.js';
import type { DesiredObject, DesiredStore } from '../store/desired.js';
import type { Source } from './agent.js';

type PreviousGeneration = (key: string) => { generation: number; specHash?: string } | undefined;

export class StaticSource implements Source {
  private store: DesiredStore | undefined;
  private readonly gens = new Map<string, { generation: number; specHash: string }>();
  private prev: PreviousGeneration = () => undefined;

  constructor(private readonly initial: readonly Resource[] = []) {}

  async start(store: DesiredStore, ctx: { previousGeneration: PreviousGeneration }): Promise<void> {
    this.store = store;
    this.prev = (k) => ctx.previousGeneration(k);
    this.put(...this.initial);
  }

  async stop(): Promise<void> {}

  put(...objects: Resource[]): void {
    this.store!.apply(objects.map((o) => this.wrap(o)), []);
  }

  remove(...keys: string[]): void {
    this.store!.apply([], keys);
  }

  private wrap(o: Resource): DesiredObject {
    const key = keyOf(o);
    const hash = specHash(o.spec);
    const prev = this.gens.get(key) ?? this.prev(key);
    const generation = !prev ? 1 : prev.specHash === hash ? prev.generation : prev.generation + 1;
    this.gens.set(key, { generation, specHash: hash });
    const object = structuredClone(o);
    if (object.kind !== 'Network') object.metadata.namespace ??= 'default';
    object.metadata.generation = generation;
    return { key, object, origin: { source: 'memory' }, specHash: hash };
  }
}
