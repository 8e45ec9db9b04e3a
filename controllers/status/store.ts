// The agent's current reports, in memory, persisted through a sink only when they change.
import type { Condition } from '../../api/v1alpha1/types.js';
import { isTrue } from './conditions.js';
import { isValidKey } from '../store/keys.js';
import { log } from '../lib/log.js';
import type { StatusRecord, StatusSink } from './record.js';

export class StatusStore {
  private readonly records = new Map<string, StatusRecord>();
  private readonly texts = new Map<string, string>();
  private readonly listeners: ((key: string, rec: StatusRecord | undefined) => void)[] = [];

  constructor(private readonly sink: StatusSink) {}

  async load(): Promise<void> {
    for (const rec of await this.sink.load()) {
      const key = keyOfRecord(rec);
      // A record naming no object the API could have (a damaged or planted file) is not ours to act on.
      if (isValidKey(key)) this.records.set(key, rec);
      else log.warn('ignoring status record with an invalid key', { key });
    }
  }

  get(key: string): StatusRecord | undefined {
    return this.records.get(key);
  }

  keys(): string[] {
    return [...this.records.keys()];
  }

  conditions(key: string): Condition[] | undefined {
    return this.records.get(key)?.status.conditions as Condition[] | undefined;
  }

  isReady(key: string): boolean {
    return isTrue(this.conditions(key), 'Ready');
  }

  onChange(fn: (key: string, rec: StatusRecord | undefined) => void): void {
    this.listeners.push(fn);
  }

  /** Stores and persists rec if it differs from what is stored (updatedAt aside). */
  async put(key: string, rec: StatusRecord): Promise<boolean> {
    const prev = this.records.get(key);
    const text = comparable(rec);
    // The stored record's text is kept, so a re-check of an unchanged object serializes once.
    if (prev && (this.texts.get(key) ?? comparable(prev)) === text) return false;
    // Written first: a failed write (disk full) must not look done, or it would never be retried.
    await this.sink.write(key, rec);
    this.records.set(key, rec);
    this.texts.set(key, text);
    for (const l of this.listeners) l(key, rec);
    return true;
  }

  async remove(key: string): Promise<void> {
    const prev = this.records.get(key);
    if (!prev) return;
    this.records.delete(key);
    this.texts.delete(key);
    await this.sink.remove(key, prev);
    for (const l of this.listeners) l(key, undefined);
  }
}

export function keyOfRecord(rec: Pick<StatusRecord, 'kind' | 'namespace' | 'name'>): string {
  return rec.namespace ? `${rec.kind}/${rec.namespace}/${rec.name}` : `${rec.kind}/${rec.name}`;
}

/** A record as text, updatedAt aside: two records are the same report when these are equal. */
function comparable(r: StatusRecord): string {
  return JSON.stringify({ ...r, updatedAt: '' });
}
