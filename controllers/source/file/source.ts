// File mode: every *.yaml/*.yml/*.json under a directory (nested folders, multi-document files)
// is desired state. Changes are batched, parsed and validated; valid objects go to the store,
// invalid ones become problems that name file, document, field and reason. A broken edit keeps
// the object's last valid version in effect; only removing it from the files deletes it.
import { relative, sep } from 'node:path';
import type { Resource } from '../../../api/v1alpha1/types.js';
import { validateUpdate } from '../../../api/v1alpha1/validate-update.js';
import { log } from '../../lib/log.js';
import type { DesiredObject, DesiredStore } from '../../store/desired.js';
import { keyOf, makeKey } from '../../store/keys.js';
import { formatProblem, parseManifestFile, type ManifestProblem, type ParseOptions } from './parse.js';
import { YAML_LIMITS } from './yaml-guard.js';
import { DirWatcher } from './watcher.js';
import { readManifest } from './read-manifest.js';

/** A problem with a declaration: from parsing one file, or found across files (duplicates, immutable fields). */
export type Problem = ManifestProblem;
import { specHash } from './spec-hash.js';

export const MAX_FILE_BYTES = YAML_LIMITS.maxFileBytes;

export interface Generation {
  generation: number;
  specHash?: string;
}

/** Events are gathered until the files have been quiet this long (a writer finishing its write). */
export const DEFAULT_DEBOUNCE_MS = 5;
/** ...but never held back longer than this while events keep coming. */
const MAX_HOLD_MS = 100;
/**
 * Objects disappearing from a file (the file removed, or read with fewer objects) take effect only
 * when a second look this much later agrees: an editor replacing a file, or a writer caught
 * half-way, must not tear down what the file still declares.
 */
export const REMOVAL_GRACE_MS = 100;

export interface FileSourceOptions {
  dir: string;
  /** Called with every current problem after each batch. */
  onProblems?(problems: readonly Problem[]): void;
  /** Quiet time before a batch is read (default DEFAULT_DEBOUNCE_MS). */
  debounceMs?: number;
  /** How long a file that vanished (or lost objects) gets to come back (default REMOVAL_GRACE_MS). */
  removalGraceMs?: number;
  /** Validation options (e.g. the netns dirs adopted paths may point into). */
  parse?: ParseOptions;
}

export interface SourceContext {
  /** Generations remembered from earlier runs (status records), so they survive restarts. */
  previousGeneration(key: string): Generation | undefined;
}

interface FileEntry {
  objects: Map<string, DesiredObject>;
  problems: Problem[];
}

export function isManifestFile(path: string): boolean {
  const base = path.split(sep).pop() ?? '';
  return /\.(ya?ml|json)$/i.test(base) && !base.startsWith('.') && !base.endsWith('~');
}

export class FileSource {
  private readonly files = new Map<string, FileEntry>();
  /** Files declaring each key (usually one), so resolving a key does not walk every file. */
  private readonly providers = new Map<string, Set<string>>();
  private readonly owner = new Map<string, string>();
  /** Files whose objects disappeared: when that becomes final unless the file recovers first. */
  private readonly recheck = new Map<string, { timer: NodeJS.Timeout; due: boolean }>();
  /** Problems found while resolving a key across files, recomputed whenever the key is affected. */
  private readonly derived = new Map<string, Problem[]>();
  private readonly generations = new Map<string, Generation>();
  private readonly pending = new Set<string>();
  private problemsByKey = new Map<string, string>();
  private store: DesiredStore | undefined;
  private sctx: SourceContext = { previousGeneration: () => undefined };
  private watcher: DirWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private firstPending = 0;
  private oneShot = false;
  private batchDone: Promise<void> = Promise.resolve();

  constructor(private readonly opts: FileSourceOptions) {}

  /** Starts watching; resolves when the initial scan has reached the store. */
  async start(store: DesiredStore, ctx: SourceContext): Promise<void> {
    this.store = store;
    this.sctx = ctx;
    this.watcher = new DirWatcher({
      root: this.opts.dir,
      // Hidden files and folders (editor temp files, .git) are not manifests.
      ignored: (path) => relative(this.opts.dir, path).split(sep).some((seg) => seg.startsWith('.') && seg !== '.' && seg !== '..'),
      onPath: (p) => this.touch(p),
      onError: (err) => log.error('watching manifests failed', { dir: this.opts.dir, err }),
    });
    for (const p of this.watcher.start()) if (isManifestFile(p)) this.pending.add(p);
    await this.flushNow();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    for (const r of this.recheck.values()) clearTimeout(r.timer);
    this.recheck.clear();
    this.watcher?.close();
    await this.batchDone;
  }

  problems(): Problem[] {
    return [...[...this.files.values()].flatMap((f) => f.problems), ...[...this.derived.values()].flat()];
  }

  /** The latest problem with an object's declaration, as one line per error. */
  problemFor(key: string): string | undefined {
    return this.problemsByKey.get(key);
  }

  /** Loads files once, without watching (plan, status --dir). */
  loadOnce(store: DesiredStore, paths: readonly string[]): void {
    this.store = store;
    this.oneShot = true;
    for (const p of paths) this.pending.add(p);
    this.processBatch();
  }

  private touch(path: string): void {
    if (!isManifestFile(path) && !this.files.has(path)) return;
    this.pending.add(path);
    const now = Date.now();
    if (!this.timer) this.firstPending = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.opts.debounceMs ?? DEFAULT_DEBOUNCE_MS, this.firstPending + MAX_HOLD_MS - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushNow();
    }, wait);
  }

  private async flushNow(): Promise<void> {
    await this.batchDone;
    this.batchDone = Promise.resolve().then(() => this.processBatch());
    await this.batchDone;
  }

  /** Looks at a file again after the removal grace; what it then says is final. */
  private deferRemoval(file: string): void {
    const entry = {
      due: false,
      timer: setTimeout(() => {
        entry.due = true;
        this.touch(file);
      }, this.opts.removalGraceMs ?? REMOVAL_GRACE_MS),
    };
    entry.timer.unref();
    this.recheck.set(file, entry);
  }

  private setFile(file: string, entry: FileEntry | undefined): void {
    for (const k of this.files.get(file)?.objects.keys() ?? []) {
      const set = this.providers.get(k);
      set?.delete(file);
      if (set?.size === 0) this.providers.delete(k);
    }
    if (!entry) {
      this.files.delete(file);
      return;
    }
    this.files.set(file, entry);
    for (const k of entry.objects.keys()) (this.providers.get(k) ?? this.providers.set(k, new Set()).get(k)!).add(file);
  }

  private processBatch(): void {
    if (this.pending.size === 0) return;
    const files = [...this.pending].sort();
    this.pending.clear();
    const affected = new Set<string>();
    for (const file of files) {
      const before = this.files.get(file);
      const after = this.readFile(file, before);
      const lost = before !== undefined && [...before.objects.keys()].some((k) => !after?.objects.has(k));
      const pendingRemoval = this.recheck.get(file);
      if (lost && !this.oneShot && !pendingRemoval?.due) {
        // Keep the file as it was until the grace period has passed without it recovering.
        if (!pendingRemoval) this.deferRemoval(file);
        continue;
      }
      if (pendingRemoval) {
        clearTimeout(pendingRemoval.timer);
        this.recheck.delete(file);
      }
      for (const k of before?.objects.keys() ?? []) affected.add(k);
      this.setFile(file, after);
      for (const k of after?.objects.keys() ?? []) affected.add(k);
    }
    const { puts, deletes } = this.resolve(affected);
    const problems = this.problems();
    const before = this.problemsByKey;
    this.problemsByKey = new Map();
    for (const p of problems) {
      const key = problemKey(p);
      if (key) this.problemsByKey.set(key, formatProblem(p));
    }
    const reportOnly = [...new Set([...before.keys(), ...this.problemsByKey.keys()])].filter((k) => before.get(k) !== this.problemsByKey.get(k));
    this.store!.apply(puts, deletes, reportOnly);
    for (const p of problems) if (!before.has(problemKey(p) ?? '')) log.warn('invalid manifest', { problem: formatProblem(p) });
    this.opts.onProblems?.(problems);
  }

  private readFile(file: string, before: FileEntry | undefined): FileEntry | undefined {
    const read = readManifest(file, this.opts.dir, MAX_FILE_BYTES);
    if ('absent' in read) return undefined;
    if ('problem' in read) return keep(before, [fileProblem(file, read.problem)]);
    const text = read.text;
    const parsed = parseManifestFile(file, text, this.opts.parse);
    const objects = new Map<string, DesiredObject>();
    for (const { object, origin } of parsed.objects) {
      const key = keyOf(object);
      objects.set(key, { key, object, origin, specHash: specHash(object.spec) });
    }
    // An object whose new version is invalid keeps its last valid version in effect.
    for (const p of parsed.problems) {
      const key = problemKey(p);
      const old = key ? before?.objects.get(key) : undefined;
      if (key && old && !objects.has(key)) objects.set(key, old);
    }
    const fatal = parsed.objects.length === 0 && parsed.problems.some((p) => !problemKey(p));
    if (fatal && before) return { objects: before.objects, problems: parsed.problems };
    return { objects, problems: parsed.problems };
  }

  private resolve(affected: Set<string>): { puts: DesiredObject[]; deletes: string[] } {
    const puts: DesiredObject[] = [];
    const deletes: string[] = [];
    for (const key of affected) {
      this.derived.delete(key);
      const providers = [...(this.providers.get(key) ?? [])].sort();
      if (providers.length === 0) {
        this.owner.delete(key);
        deletes.push(key);
        continue;
      }
      const cur = this.owner.get(key);
      const winner = cur && providers.includes(cur) ? cur : providers[0]!;
      this.owner.set(key, winner);
      const obj = this.files.get(winner)!.objects.get(key)!;
      // Same rules as the API server: immutable fields keep their value; the edit is refused.
      const current = this.store?.get(key);
      const immutable = current ? validateUpdate(current.object, obj.object) : [];
      if (immutable.length > 0) {
        this.addDerived(key, this.problemOf(obj, immutable));
        this.files.get(winner)!.objects.set(key, { ...current!, origin: obj.origin });
        continue;
      }
      for (const loser of providers.filter((f) => f !== winner)) {
        const o = this.files.get(loser)!.objects.get(key)!;
        const message = `${key} is also defined in ${where(obj)}; this definition is ignored`;
        this.addDerived(key, this.problemOf(o, [{ path: 'metadata.name', message }]));
      }
      puts.push(this.withGeneration(obj));
    }
    return { puts, deletes };
  }

  private problemOf(o: DesiredObject, errors: Problem['errors']): Problem {
    const m = o.object.metadata;
    return { origin: o.origin, kind: o.object.kind, ...(m.namespace ? { namespace: m.namespace } : {}), name: m.name, errors };
  }

  private addDerived(key: string, p: Problem): void {
    this.derived.set(key, [...(this.derived.get(key) ?? []), p]);
  }

  private withGeneration(o: DesiredObject): DesiredObject {
    const prev = this.generations.get(o.key) ?? this.sctx.previousGeneration(o.key);
    const generation = !prev ? 1 : prev.specHash === o.specHash ? prev.generation : prev.generation + 1;
    this.generations.set(o.key, { generation, specHash: o.specHash });
    const object = { ...o.object, metadata: { ...o.object.metadata, generation } } as Resource;
    return { ...o, object };
  }
}


function problemKey(p: Problem): string | undefined {
  if (!p.kind || !p.name || !['Network', 'Sandbox', 'Attachment'].includes(p.kind)) return undefined;
  return makeKey(p.kind as Resource['kind'], p.name, p.namespace ?? 'default');
}

function fileProblem(file: string, message: string): Problem {
  return { origin: { source: file }, errors: [{ path: '', message }] };
}

function keep(before: FileEntry | undefined, problems: Problem[]): FileEntry {
  return { objects: before?.objects ?? new Map(), problems };
}

function where(o: DesiredObject): string {
  return `${o.origin.source}${o.origin.line ? `:${o.origin.line}` : ''}`;
}
