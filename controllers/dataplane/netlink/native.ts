// Loads the native addon: netlink sockets in a chosen namespace, namespace mounts,
// per-namespace /proc/sys access. Everything else about netlink lives in TypeScript.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RecvResult {
  data: Buffer;
  /** Namespace id the message came from (sockets listening to all namespaces), else -1. */
  nsid: number;
}

export interface Native {
  socket(protocol: number, groups: number, nsPath?: string | null): number;
  setOpt(fd: number, option: number, value: number): void;
  send(fd: number, data: Buffer): number;
  recv(fd: number, block: boolean): RecvResult | null;
  close(fd: number): void;
  poll(fd: number, onReadable: () => void): unknown;
  unpoll(handle: unknown): void;
  prepareNetnsDir(dir: string): void;
  netnsCreate(path: string): void;
  netnsDelete(path: string): void;
  enterNetns(path: string | null): void;
  nsWriteFile(nsPath: string | null, file: string, data: string): void;
  nsReadFile(nsPath: string | null, file: string): string;
  /** CLONE_NEW* type of the namespace file at path; 0 when it is not one (or is missing); -errno when unreadable. */
  nsType(path: string): number;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('nodenet: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

const addonPath = join(packageRoot(), 'controllers/dataplane/netlink/native/build/Release/nodenet_native.node');

let loaded: Native | undefined;
export function native(): Native {
  if (!loaded) {
    if (!existsSync(addonPath)) {
      throw new Error(`nodenet native addon missing at ${addonPath}: run "npm run build" (needs make, g++ and python3)`);
    }
    loaded = createRequire(import.meta.url)(addonPath) as Native;
  }
  return loaded;
}
