// Status kept in memory only: `nodenet plan` (nothing may be written) and unit tests.
import type { StatusRecord, StatusSink } from './record.js';

export class MemoryStatusSink implements StatusSink {
  readonly records = new Map<string, StatusRecord>();
  writes = 0;

  constructor(initial: readonly StatusRecord[] = [], keyOf?: (r: StatusRecord) => string) {
    for (const r of initial) if (keyOf) this.records.set(keyOf(r), structuredClone(r));
  }

  async load(): Promise<StatusRecord[]> {
    return [...this.records.values()];
  }

  async write(key: string, rec: StatusRecord): Promise<void> {
    this.writes++;
    this.records.set(key, structuredClone(rec));
  }

  async remove(key: string): Promise<void> {
    this.records.delete(key);
  }
}
