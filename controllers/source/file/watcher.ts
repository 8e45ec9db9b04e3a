// Watches a directory tree with one inotify watch per directory (fs.watch, not recursive) and
// reports the paths that may have changed; each event costs one lstat, whatever the number of
// files. (A watcher that re-reads a directory on every event costs O(files) per change: with
// thousands of manifests that is most of the latency of a change.) New directories are watched
// and scanned; a removed directory reports every file that was under it. Symlinks are reported
// as entries, never followed.
import { lstatSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { join, sep } from 'node:path';

export interface DirWatcherOptions {
  root: string;
  /** True for paths to leave alone (and, for directories, everything under them). */
  ignored(path: string): boolean;
  /** Something at this path (a file or symlink, present or not) may have changed. */
  onPath(path: string): void;
  onError(err: unknown): void;
}

export class DirWatcher {
  private readonly dirs = new Map<string, FSWatcher>();
  /** Entries (files and symlinks) reported so far, so a removed directory can report them. */
  private readonly entries = new Set<string>();
  private closed = false;

  constructor(private readonly opts: DirWatcherOptions) {}

  /** Watches the tree and returns the entries found in it. */
  start(): string[] {
    const found: string[] = [];
    this.addDir(this.opts.root, found);
    return found;
  }

  close(): void {
    this.closed = true;
    for (const w of this.dirs.values()) w.close();
    this.dirs.clear();
  }

  private addDir(dir: string, found: string[]): void {
    if (this.dirs.has(dir) || this.closed) return;
    // Watch before listing: a file created in between is then seen by one or the other.
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: true }, (_event, name) => this.onEvent(dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.onError(err);
      return;
    }
    w.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.onError(err);
    });
    this.dirs.set(dir, w);
    let list;
    try {
      list = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of list) {
      const path = join(dir, e.name);
      if (this.opts.ignored(path)) continue;
      if (e.isDirectory()) this.addDir(path, found);
      else {
        this.entries.add(path);
        found.push(path);
      }
    }
  }

  private onEvent(dir: string, name: string | Buffer | null): void {
    if (this.closed) return;
    if (name === null) {
      // The kernel did not say which entry: look at the whole directory again.
      this.rescan(dir);
      return;
    }
    this.check(join(dir, name.toString()));
  }

  private check(path: string): void {
    if (this.opts.ignored(path)) return;
    let st;
    try {
      st = lstatSync(path);
    } catch {
      if (this.dirs.has(path)) this.removeDir(path);
      else if (this.entries.delete(path)) this.opts.onPath(path);
      return;
    }
    if (st.isDirectory()) {
      const found: string[] = [];
      this.addDir(path, found);
      for (const f of found) this.opts.onPath(f);
      return;
    }
    if (this.dirs.has(path)) this.removeDir(path); // a directory replaced by a file
    this.entries.add(path);
    this.opts.onPath(path);
  }

  private rescan(dir: string): void {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // gone: its parent's event removes it
    }
    const present = new Set(names.map((n) => join(dir, n)));
    for (const p of present) this.check(p);
    for (const p of [...this.entries]) if (p.startsWith(dir + sep) && !p.slice(dir.length + 1).includes(sep) && !present.has(p)) this.check(p);
  }

  private removeDir(dir: string): void {
    for (const [d, w] of this.dirs) {
      if (d === dir || d.startsWith(dir + sep)) {
        w.close();
        this.dirs.delete(d);
      }
    }
    for (const p of [...this.entries]) {
      if (p.startsWith(dir + sep)) {
        this.entries.delete(p);
        this.opts.onPath(p);
      }
    }
  }
}
