// File mode: every *.yaml/*.yml/*.json under a directory (nested folders, multi-document files)
// is desired state. Changes are batched, parsed and validated; valid objects go to the store,
// invalid ones become problems that name file, document, field and reason. A broken edit keeps
// the object's last valid version in effect; only removing it from the files deletes it.
import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Resource } from '../../../api/v1alpha1/types.js';
import { validateUpdate } from '../../../api/v1alpha1/validate-update.js';
import { log } from '../../lib/log.js';
import type { DesiredObject, DesiredStore } from '../../store/desired.js';
import { keyOf, makeKey } from '../../store/keys.js';
import { formatProblem, parseManifestFile, type ManifestProblem, type ParseOptions } from './parse.js';
import { YAML_LIMITS } from './yaml-guard.js';
import { readManifest } from './read-manifest.js';

/** A problem with a declaration: from parsing one file, or found across files (duplicates, immutable fields). */
export type Problem = ManifestProblem;
import { specHash } from './spec-hash.js';

export const MAX_FILE_BYTES = YAML_LIMITS.maxFileBytes;

export interface Generation {
  generation: number;
  specHash?: string;
}

export interface FileSourceOptions {
  dir: string;
  /** Called with every current problem after each batch. */
  onProblems?(problems: readonly Problem[]): void;
  debounceMs?: number;
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
  private readonly owner = new Map<string, string>();
  /** Problems found while resolving a key across files, recomputed whenever the key is affected. */
  private readonly derived = new Map<string, Problem[]>();
  private readonly generations = new Map<string, Generation>();
  private readonly pending = new Set<string>();
  private problemsByKey = new Map<string, string>();
  private store: DesiredStore | undefined;
  private sctx: SourceContext = { previousGeneration: () => undefined };
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private batchDone: Promise<void> = Promise.resolve();

  constructor(private readonly opts: FileSourceOptions) {}

  /** Starts watching; resolves when the initial scan has reached the store. */
  async start(store: DesiredStore, ctx: SourceContext): Promise<void> {
    this.store = store;
    this.sctx = ctx;
    this.watcher = watch(this.opts.dir, {
      ignored: (path: string, stats?: { isFile(): boolean }) => {
        const rel = relative(this.opts.dir, path);
        if (rel.split(sep).some((seg) => seg.startsWith('.') && seg !== '.' && seg !== '..')) return true;
        return stats?.isFile() === true && !isManifestFile(path);
      },
      ignoreInitial: false,
      followSymlinks: false,
    });
    this.watcher.on('add', (p) => this.touch(p));
    this.watcher.on('change', (p) => this.touch(p));
    this.watcher.on('unlink', (p) => this.touch(p));
    this.watcher.on('unlinkDir', (d) => {
      for (const f of this.files.keys()) if (f === d || f.startsWith(d + sep)) this.touch(f);
    });
    this.watcher.on('error', (err) => log.error('watching manifests failed', { dir: this.opts.dir, err }));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    await this.flushNow();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.close();
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
    for (const p of paths) this.pending.add(p);
    this.processBatch();
  }

  private touch(path: string): void {
    if (!isManifestFile(path) && !this.files.has(path)) return;
    this.pending.add(path);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushNow();
    }, this.opts.debounceMs ?? 20);
  }

  private async flushNow(): Promise<void> {
    await this.batchDone;
    this.batchDone = Promise.resolve().then(() => this.processBatch());
    await this.batchDone;
  }

  private processBatch(): void {
    if (this.pending.size === 0) return;
    const files = [...this.pending].sort();
    this.pending.clear();
    const affected = new Set<string>();
    for (const file of files) {
      const before = this.files.get(file);
      for (const k of before?.objects.keys() ?? []) affected.add(k);
      const after = this.readFile(file, before);
      if (after) this.files.set(file, after);
      else this.files.delete(file);
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
      const providers = [...this.files.entries()].filter(([, e]) => e.objects.has(key)).map(([f]) => f).sort();
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
