// Every network namespace of this machine that has a path: nsfs bind mounts anywhere (from
// /proc/self/mountinfo) and the namespaces of running processes (/proc/PID/ns/net), one path per
// namespace, the agent's own excluded. Used only to find the sandbox end of a veth when the
// state is rebuilt and the namespace is not in the netns dir (an adopted one).
import { readFileSync, readdirSync, statSync } from 'node:fs';

function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points of nsfs mounts, as listed in mountinfo text. */
export function nsfsMounts(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right || right.split(' ')[0] !== 'nsfs') continue;
    const mountPoint = left.split(' ')[4];
    if (mountPoint) out.push(unescapeMount(mountPoint));
  }
  return out;
}

export function discoverNetnsPaths(isNetns: (path: string) => boolean): string[] {
  const seen = new Set<number>();
  const out: string[] = [];
  const add = (path: string): void => {
    try {
      if (!isNetns(path)) return;
      const ino = statSync(path).ino;
      if (seen.has(ino)) return;
      seen.add(ino);
      out.push(path);
    } catch {
      // gone meanwhile, or not ours to read
    }
  };
  try {
    seen.add(statSync('/proc/self/ns/net').ino);
  } catch {
    // no /proc: nothing to exclude
  }
  try {
    for (const p of nsfsMounts(readFileSync('/proc/self/mountinfo', 'utf8'))) add(p);
  } catch {
    // no mountinfo
  }
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    // no /proc
  }
  for (const pid of pids) add(`/proc/${pid}/ns/net`);
  return out;
}
