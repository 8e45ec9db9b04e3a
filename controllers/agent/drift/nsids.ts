// Namespace ids of our sandboxes in the agent's namespace. Events from another namespace reach
// the agent's monitor socket only if that namespace has an id here, and they carry only that id:
// this assigns ids (ensureNsid) and maps them back to paths. A namespace recreated at the same
// path is a new namespace with a new id, so entries are keyed by the mount's inode.
import { statSync } from 'node:fs';
import { ensureNsid } from '../../dataplane/monitor.js';
import { log } from '../../lib/log.js';

export class NsidMap {
  private readonly byPath = new Map<string, { ino: number; nsid: number }>();
  private readonly byId = new Map<number, string>();

  constructor(private readonly assign: (path: string) => number = ensureNsid) {}

  /** Makes sure every path has an id here; paths no longer given are forgotten. */
  refresh(paths: Iterable<string>): void {
    const seen = new Set<string>();
    for (const path of paths) {
      seen.add(path);
      let ino: number;
      try {
        ino = statSync(path).ino;
      } catch {
        this.drop(path);
        continue;
      }
      if (this.byPath.get(path)?.ino === ino) continue;
      this.drop(path);
      try {
        const nsid = this.assign(path);
        this.byPath.set(path, { ino, nsid });
        this.byId.set(nsid, path);
      } catch (err) {
        // Not a namespace (any more): the sandbox reconcile reports it; nothing to watch.
        log.debug('no namespace id for sandbox path', { path, err });
      }
    }
    for (const path of [...this.byPath.keys()]) if (!seen.has(path)) this.drop(path);
  }

  pathOf(nsid: number): string | undefined {
    return this.byId.get(nsid);
  }

  nsidOf(path: string): number | undefined {
    return this.byPath.get(path)?.nsid;
  }

  private drop(path: string): void {
    const cur = this.byPath.get(path);
    if (!cur) return;
    this.byPath.delete(path);
    if (this.byId.get(cur.nsid) === path) this.byId.delete(cur.nsid);
  }
}
