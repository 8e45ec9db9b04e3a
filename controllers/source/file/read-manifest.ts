// Reads one manifest file. The agent runs as root but must read no more than the writer of the
// manifest directory could: a symbolic link is followed only to a file inside the directory
// (Kubernetes ConfigMap volumes are links into their own ..data directory), only regular files
// are read (never a FIFO or a device), and never more than the size limit, however the file grows
// while it is read. Otherwise a link to /etc/shadow would be parsed and quoted in a problem line.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';

export type ManifestRead = { text: string } | { absent: true } | { problem: string };

function inside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

export function readManifest(file: string, dir: string, maxBytes: number): ManifestRead {
  let real: string;
  try {
    real = realpathSync(file);
    if (!inside(real, realpathSync(dir))) return { problem: 'is a symbolic link to a file outside the manifest directory; not read' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { absent: true };
    return { problem: `cannot read: ${(err as Error).message}` };
  }
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { absent: true };
    return { problem: `cannot read: ${(err as Error).message}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { absent: true };
    if (st.size > maxBytes) return { problem: `file is ${st.size} bytes; the limit is ${maxBytes} (split it)` };
    const buf = Buffer.alloc(maxBytes + 1);
    let len = 0;
    for (let n = 1; n > 0 && len < buf.length; len += n) n = readSync(fd, buf, len, buf.length - len, null);
    if (len > maxBytes) return { problem: `file grew past the limit of ${maxBytes} bytes while it was read (split it)` };
    return { text: buf.subarray(0, len).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}
