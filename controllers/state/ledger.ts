// The ledger: what nodenet has made on this node and which addresses it handed out. It is written
// before the kernel is changed (intent first), so after a crash every kernel object we may have
// made has an entry and garbage collection can find it; allocations are durable before use, so an
// address is never handed out twice.
//
// On disk: state.json (a snapshot) plus state.journal (one line per commit with the changes since
// the one before), so a commit costs O(change): the snapshot is rewritten only once the journal has
// grown as big as it (amortized O(1) per change). Commits are group commits: the disk write runs
// on the thread pool, and every change made meanwhile goes into the next one.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomicAsync } from './atomic-file.js';
import { Journal, JournalCorruptError, readJournal, type JournalRecord } from './journal.js';
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

/** Journal operations: plain assignments, so replaying them in order rebuilds the state. */
type Op = ['s', Section, string, unknown] | ['d', Section, string] | ['a', string, string, string] | ['r', string, string];

/** The journal is folded into a new snapshot once it is this big and at least as big as the snapshot. */
const JOURNAL_MIN_BYTES = 256 * 1024;

export class Ledger {
  private dirtyGen = 0;
  private savedGen = 0;
  private readonly flusher = new Coalescer(() => this.flush());
  /** Changes not yet on disk, serialized when made (records are cloned on set). */
  private pending: string[] = [];
  private readonly counts = new Map<string, number>();
  /** Attachment records per sandbox key (teardown finds a sandbox's attachments without a walk). */
  private readonly bySandbox = new Map<string, Set<string>>();
  private snapshotBytes = 0;
  private journalMinBytes = JOURNAL_MIN_BYTES;

  private constructor(
    readonly path: string | undefined,
    private readonly data: LedgerData,
    private seq = 0,
    private readonly journal?: Journal,
    private hasSnapshot = false,
  ) {
    for (const [network, table] of Object.entries(data.allocations)) this.counts.set(network, Object.keys(table).length);
    for (const [key, rec] of Object.entries(data.attachments)) this.indexAttachment(key, rec.sandbox);
  }

  private indexAttachment(key: string, sandbox: string | undefined): void {
    if (sandbox === undefined) return;
    (this.bySandbox.get(sandbox) ?? this.bySandbox.set(sandbox, new Set()).get(sandbox)!).add(key);
  }

  private unindexAttachment(key: string): void {
    const sandbox = this.data.attachments[key]?.sandbox;
    const set = sandbox === undefined ? undefined : this.bySandbox.get(sandbox);
    set?.delete(key);
    if (set?.size === 0) this.bySandbox.delete(sandbox!);
  }

  /** Keys of the attachment records that belong to a sandbox. */
  attachmentsOfSandbox(sandboxKey: string): string[] {
    return [...(this.bySandbox.get(sandboxKey) ?? [])];
  }

  /** Loads stateDir/state.json and replays state.journal; none is an empty ledger. Corrupt files are moved aside and reported. */
  static load(stateDir: string, opts: { journalMinBytes?: number } = {}): Ledger {
    const path = join(stateDir, 'state.json');
    const journalPath = join(stateDir, 'state.journal');
    const hasSnapshot = existsSync(path);
    // A journal holds changes to its snapshot; without the snapshot (someone removed it) it means nothing.
    if (!hasSnapshot) discardJournal(stateDir);
    let snap: { data: LedgerData; seq: number; bytes: number };
    try {
      snap = readSnapshot(path);
    } catch (err) {
      throw moveAside(path, err);
    }
    let read;
    try {
      read = readJournal(journalPath);
    } catch (err) {
      throw moveAside(journalPath, err instanceof JournalCorruptError ? err : new Error('read journal', { cause: err }));
    }
    const { data, seq } = applyJournal(snap, read.records);
    const ledger = new Ledger(path, data, seq, new Journal(journalPath, read.bytes), hasSnapshot);
    ledger.snapshotBytes = snap.bytes;
    ledger.journalMinBytes = opts.journalMinBytes ?? JOURNAL_MIN_BYTES;
    return ledger;
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
    const text = JSON.stringify(rec);
    if (cur && JSON.stringify(cur) === text) return;
    if (section === 'attachments') {
      this.unindexAttachment(key);
      this.indexAttachment(key, (rec as AttachmentRecord).sandbox);
    }
    (this.data[section] as Record<string, RecordOf<S>>)[key] = JSON.parse(text) as RecordOf<S>;
    this.record(() => `["s",${JSON.stringify(section)},${JSON.stringify(key)},${text}]`);
  }

  delete(section: Section, key: string): void {
    if (!(key in this.data[section])) return;
    if (section === 'attachments') this.unindexAttachment(key);
    delete this.data[section][key];
    this.record(() => JSON.stringify(['d', section, key] satisfies Op));
  }

  /** The live allocation table of one network (mutate through allocate/release only). */
  allocations(network: string): Readonly<Record<string, string>> {
    return this.data.allocations[network] ?? {};
  }

  /** Number of addresses allocated on a network, without walking its table. */
  allocationCount(network: string): number {
    return this.counts.get(network) ?? 0;
  }

  networksWithAllocations(): string[] {
    return Object.keys(this.data.allocations);
  }

  allocate(network: string, address: string, owner: string): void {
    const table = (this.data.allocations[network] ??= {});
    if (table[address] === owner) return;
    if (table[address] !== undefined) throw new Error(`${address} on ${network} is already allocated to ${table[address]}`);
    table[address] = owner;
    this.counts.set(network, (this.counts.get(network) ?? 0) + 1);
    this.record(() => JSON.stringify(['a', network, address, owner] satisfies Op));
  }

  release(network: string, address: string): void {
    const table = this.data.allocations[network];
    if (!table || !(address in table)) return;
    delete table[address];
    const left = (this.counts.get(network) ?? 1) - 1;
    if (left <= 0) {
      delete this.data.allocations[network];
      this.counts.delete(network);
    } else this.counts.set(network, left);
    this.record(() => JSON.stringify(['r', network, address] satisfies Op));
  }

  /** Makes every change so far durable; concurrent callers share one write. */
  async commit(): Promise<void> {
    while (this.savedGen < this.dirtyGen) await this.flusher.request();
  }

  /**
   * An append fits in the journal's last block long after a new file would not: without this, a
   * full disk would take journal lines (and the kernel changes they allow) until the journal has
   * to be folded into a snapshot, which could then never be written. A commit needs the room a
   * new snapshot takes, as the disk guard's probe does.
   */
  private async roomToFold(): Promise<void> {
    const dir = dirname(this.path!);
    const st = await statfs(dir);
    const free = st.bavail * st.bsize;
    const need = this.snapshotBytes + 4096;
    if (free < need) throw new Error(`append to ${this.journal!.path}`, { cause: new NoRoomError(dir, need, free) });
  }

  /** Notes a change as its journal operation (serialized now: later mutations cannot leak in). */
  private record(op: () => string): void {
    this.dirtyGen++;
    if (this.path) this.pending.push(op());
  }

  private async flush(): Promise<void> {
    const gen = this.dirtyGen;
    if (gen === this.savedGen) return;
    const ops = this.pending;
    this.pending = [];
    if (this.path && this.journal) {
      const fold = !this.hasSnapshot || (this.journal.bytes >= this.journalMinBytes && this.journal.bytes >= this.snapshotBytes);
      try {
        if (fold) {
          // Serialized now, before any await: exactly the changes up to `gen`.
          const text = JSON.stringify({ ...this.data, seq: this.seq });
          failpoint('ledger-write');
          await writeFileAtomicAsync(this.path, text, { durable: true });
          failpoint('ledger-written');
          this.hasSnapshot = true;
          this.snapshotBytes = Buffer.byteLength(text);
          // A crash before the reset is harmless: the snapshot's seq skips the records it holds.
          if (this.journal.bytes > 0) await this.journal.reset();
        } else if (ops.length > 0) {
          await this.roomToFold();
          failpoint('ledger-write');
          await this.journal.append({ seq: this.seq + 1, ops: JSON.parse(`[${ops.join(',')}]`) as unknown[] });
          this.seq++;
          failpoint('ledger-written');
        }
      } catch (err) {
        // Not durable (a full disk): these changes go into the next attempt, before later ones.
        this.pending = ops.concat(this.pending);
        throw err;
      }
    }
    this.savedGen = gen;
  }
}

/**
 * The ledger's data as the agent would load it, without changing any file (a torn journal tail is
 * skipped, not cut off): for readers beside a running agent (explain, tests). Throws when unreadable.
 */
export function readLedgerFiles(stateDir: string): LedgerData {
  const snap = readSnapshot(join(stateDir, 'state.json'));
  return applyJournal(snap, readJournal(join(stateDir, 'state.journal'), { readOnly: true }).records).data;
}

/**
 * Moves state.journal aside (state.journal.stale-<ms>) when its snapshot is gone or is being
 * replaced by one rebuilt from the kernel: its changes apply to a state that no longer exists.
 */
export function discardJournal(stateDir: string): string | undefined {
  const journalPath = join(stateDir, 'state.journal');
  if (!existsSync(journalPath)) return undefined;
  const movedTo = `${journalPath}.stale-${Date.now()}`;
  renameSync(journalPath, movedTo);
  return movedTo;
}

function readSnapshot(path: string): { data: LedgerData; seq: number; bytes: number } {
  if (!existsSync(path)) return { data: emptyLedger(), seq: 0, bytes: 0 };
  const text = readFileSync(path, 'utf8');
  return { ...parseLedger(text), bytes: Buffer.byteLength(text) };
}

function applyJournal(snap: { data: LedgerData; seq: number }, records: readonly JournalRecord[]): { data: LedgerData; seq: number } {
  const { data } = snap;
  let seq = snap.seq;
  for (const rec of records) {
    if (rec.seq <= seq) continue;
    for (const op of rec.ops as Op[]) replay(data, op);
    seq = rec.seq;
  }
  for (const [network, table] of Object.entries(data.allocations)) if (Object.keys(table).length === 0) delete data.allocations[network];
  return { data, seq };
}

/** A statfs error (ENOSPC) the disk guard recognises. */
class NoRoomError extends Error {
  readonly code = 'ENOSPC';
  constructor(dir: string, need: number, free: number) {
    super(`ENOSPC: ${dir} has ${free} bytes free; the ledger needs ${need} to be able to fold its journal into a new snapshot`);
    this.name = 'NoRoomError';
  }
}

function moveAside(path: string, err: unknown): LedgerCorruptError {
  const movedTo = `${path}.corrupt-${Date.now()}`;
  renameSync(path, movedTo);
  return new LedgerCorruptError(path, movedTo, { cause: err });
}

function replay(data: LedgerData, op: Op): void {
  switch (op[0]) {
    case 's':
      (data[op[1]] as Record<string, unknown>)[op[2]] = op[3];
      return;
    case 'd':
      delete data[op[1]][op[2]];
      return;
    case 'a':
      (data.allocations[op[1]] ??= {})[op[2]] = op[3];
      return;
    case 'r':
      // Emptied tables are dropped once after the replay (here it would cost O(table) per op).
      if (data.allocations[op[1]]) delete data.allocations[op[1]]![op[2]];
      return;
    default:
      throw new Error(`unknown journal operation ${JSON.stringify(op)}`);
  }
}

function parseLedger(text: string): { data: LedgerData; seq: number } {
  const raw = JSON.parse(text) as Partial<LedgerData> & { seq?: unknown };
  if (raw.version !== 1) throw new Error(`unsupported state version ${String(raw.version)}`);
  const out = emptyLedger();
  for (const k of ['networks', 'sandboxes', 'attachments', 'allocations'] as const) {
    const v = raw[k];
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`state field ${k} is not an object`);
    (out as unknown as Record<string, unknown>)[k] = v;
  }
  return { data: out, seq: typeof raw.seq === 'number' ? raw.seq : 0 };
}
