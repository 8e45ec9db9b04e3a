// The ledger: what nodenet has made on this node and which addresses it handed out. It is written
// before the kernel is changed (intent first), so after a crash every kernel object we may have
// made has an entry and garbage collection can find it; allocations are durable before use, so an
// address is never handed out twice.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { Coalescer } from '../queue/coalescer.js';
import { failpoint } from '../lib/failpoint.js';

export interface NetworkRecord {
  driver: string;
  /** Device nodenet created for the network (bridge, vxlan...), if any. */
  device?: string;
  /** Further devices nodenet created for the network (an overlay's vxlan device). */
  devices?: string[];
  subnets: string[];
  /** Overlay: what this node realized, read by the network's attachments. */
  overlay?: OverlayRecord;
}

export interface OverlayRecord {
  /** This node's slice index and VTEP address. */
  slice: number;
  vtep: string;
  mtu: number;
  /** This node's slice (allocation range) and gateway per pool, IPv4 first. */
  ranges: string[];
  gateways: string[];
}

export interface SandboxRecord {
  netnsPath: string;
  /** True when nodenet created the namespace (and so deletes it); false when adopted. */
  created: boolean;
}

export interface AttachmentRecord {
  network: string;
  sandbox: string;
  netnsPath: string;
  hostInterface?: string;
  interface: string;
  /** Network driver when not bridge/vxlan (macvlan and ipvlan links live in the sandbox; host/null make none). */
  driver?: string;
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  aliases?: string[];
}

export interface LedgerData {
  version: 1;
  networks: Record<string, NetworkRecord>;
  sandboxes: Record<string, SandboxRecord>;
  attachments: Record<string, AttachmentRecord>;
  /** network name -> address -> owner (attachment key). */
  allocations: Record<string, Record<string, string>>;
}

export class LedgerCorruptError extends Error {
  constructor(readonly path: string, readonly movedTo: string, options?: { cause?: unknown }) {
    super(`state file ${path} is unreadable (moved aside to ${movedTo})`, options);
    this.name = 'LedgerCorruptError';
  }
}

export function emptyLedger(): LedgerData {
  return { version: 1, networks: {}, sandboxes: {}, attachments: {}, allocations: {} };
}

type Section = 'networks' | 'sandboxes' | 'attachments';
type RecordOf<S extends Section> = LedgerData[S][string];

export class Ledger {
  private dirtyGen = 0;
  private savedGen = 0;
  private readonly flusher = new Coalescer(() => this.flush());

  private constructor(
    readonly path: string | undefined,
    private readonly data: LedgerData,
  ) {}

  /** Loads stateDir/state.json; a missing file is an empty ledger. A corrupt one is moved aside and reported. */
  static load(stateDir: string): Ledger {
    const path = join(stateDir, 'state.json');
    if (!existsSync(path)) return new Ledger(path, emptyLedger());
    const text = readFileSync(path, 'utf8');
    try {
      return new Ledger(path, parseLedger(text));
    } catch (err) {
      const movedTo = `${path}.corrupt-${Date.now()}`;
      renameSync(path, movedTo);
      throw new LedgerCorruptError(path, movedTo, { cause: err });
    }
  }

  /** A ledger that never touches disk (plan, tests). */
  static memory(data: LedgerData = emptyLedger()): Ledger {
    return new Ledger(undefined, structuredClone(data));
  }

  snapshot(): LedgerData {
    return structuredClone(this.data);
  }

  get<S extends Section>(section: S, key: string): RecordOf<S> | undefined {
    return this.data[section][key] as RecordOf<S> | undefined;
  }

  keys(section: Section): string[] {
    return Object.keys(this.data[section]);
  }

  set<S extends Section>(section: S, key: string, rec: RecordOf<S>): void {
    const cur = this.data[section][key];
    if (cur && JSON.stringify(cur) === JSON.stringify(rec)) return;
    (this.data[section] as Record<string, RecordOf<S>>)[key] = structuredClone(rec);
    this.dirtyGen++;
  }

  delete(section: Section, key: string): void {
    if (!(key in this.data[section])) return;
    delete this.data[section][key];
    this.dirtyGen++;
  }

  /** The live allocation table of one network (mutate through allocate/release only). */
  allocations(network: string): Readonly<Record<string, string>> {
    return this.data.allocations[network] ?? {};
  }

  networksWithAllocations(): string[] {
    return Object.keys(this.data.allocations);
  }

  allocate(network: string, address: string, owner: string): void {
    const table = (this.data.allocations[network] ??= {});
    if (table[address] === owner) return;
    if (table[address] !== undefined) throw new Error(`${address} on ${network} is already allocated to ${table[address]}`);
    table[address] = owner;
    this.dirtyGen++;
  }

  release(network: string, address: string): void {
    const table = this.data.allocations[network];
    if (!table || !(address in table)) return;
    delete table[address];
    if (Object.keys(table).length === 0) delete this.data.allocations[network];
    this.dirtyGen++;
  }

  /** Makes every change so far durable; concurrent callers share one write. */
  async commit(): Promise<void> {
    while (this.savedGen < this.dirtyGen) await this.flusher.request();
  }

  private async flush(): Promise<void> {
    const gen = this.dirtyGen;
    if (gen === this.savedGen) return;
    if (this.path) {
      failpoint('ledger-write');
      writeFileAtomic(this.path, JSON.stringify(this.data), { durable: true });
      failpoint('ledger-written');
    }
    this.savedGen = gen;
  }
}

function parseLedger(text: string): LedgerData {
  const raw = JSON.parse(text) as Partial<LedgerData>;
  if (raw.version !== 1) throw new Error(`unsupported state version ${String(raw.version)}`);
  const out = emptyLedger();
  for (const k of ['networks', 'sandboxes', 'attachments', 'allocations'] as const) {
    const v = raw[k];
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`state field ${k} is not an object`);
    (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
