// What the firewall believes the kernel holds: our nft table and the iptables compat state. It is
// learned by reading, advanced by each successful change, and forgotten by invalidate() or a
// failure. An invalidate() that lands while a sync is running wins: what that sync learned is
// not kept, so the next sync reads the kernel again.
import { COMPAT_BINARIES, readCompat, type CompatBinary, type CompatState } from './compat.js';
import { readKernelTable, type KernelTable } from './kernel.js';

export class KernelCache {
  private generation = 0;
  /** undefined: unknown; null: the table does not exist. */
  private table: KernelTable | null | undefined;
  private compat: Map<CompatBinary, CompatState> | undefined;

  constructor(private readonly useCompat: boolean) {}

  invalidate(): void {
    this.generation++;
    this.table = undefined;
    this.compat = undefined;
  }

  /** Our table, read once when unknown. */
  async kernel(): Promise<KernelTable | null> {
    if (this.table !== undefined) return this.table;
    const gen = this.generation;
    const read = await readKernelTable();
    if (gen === this.generation) this.table = read;
    return read;
  }

  /** The compat state per binary (empty when compat is off), read once when unknown. */
  async compatStates(): Promise<Map<CompatBinary, CompatState>> {
    if (this.compat) return this.compat;
    const gen = this.generation;
    const states = new Map<CompatBinary, CompatState>();
    // Both tables at once: each read is a process, and a resync waits for them.
    const read = this.useCompat ? await Promise.all(COMPAT_BINARIES.map(async (b) => [b, await readCompat(b)] as const)) : [];
    for (const [b, st] of read) states.set(b, st);
    if (gen === this.generation) this.compat = states;
    return states;
  }

  /** Our table as last known, without reading the kernel (undefined: unknown). */
  peek(): KernelTable | null | undefined {
    return this.table;
  }

  /** A token to hand back with what a change made the kernel look like. */
  stamp(): number {
    return this.generation;
  }

  setKernel(stamp: number, table: KernelTable | null): void {
    if (stamp === this.generation) this.table = table;
  }

  setCompat(stamp: number, binary: CompatBinary, state: CompatState): void {
    if (stamp === this.generation) this.compat?.set(binary, state);
  }
}
