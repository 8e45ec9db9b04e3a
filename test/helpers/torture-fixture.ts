// The torture suite's declared world: three bridge networks (masqueraded with published ports,
// ICC off, internal), N sandboxes each on one of the first two and every third also on the
// internal one, a few static addresses. Written one object per JSON file, so a test can move
// between two worlds by rewriting the directory.
import { mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '../../api/v1alpha1/types.js';

const API = 'nodenet.io/v1alpha1';

export interface WorldOptions {
  /** Sandboxes s-01..s-NN. */
  sandboxes: number;
  /** Declare the internal network t-c and its attachments. */
  internal: boolean;
  /** Added to every published host port (a port edit when it changes). */
  portShift: number;
}

const pad = (i: number): string => String(i).padStart(2, '0');

export function world(o: WorldOptions): Resource[] {
  const objs: Resource[] = [
    { apiVersion: API, kind: 'Network', metadata: { name: 't-a' }, spec: { driver: 'bridge', bridge: { masquerade: true }, ipam: { ipv4: { subnet: '10.120.0.0/24' } } } },
    { apiVersion: API, kind: 'Network', metadata: { name: 't-b' }, spec: { driver: 'bridge', bridge: { enableICC: false }, ipam: { ipv4: { subnet: '10.121.0.0/24' } } } },
  ] as Resource[];
  if (o.internal) {
    objs.push({ apiVersion: API, kind: 'Network', metadata: { name: 't-c' }, spec: { driver: 'bridge', bridge: { internal: true }, ipam: { ipv4: { subnet: '10.122.0.0/24' } } } } as Resource);
  }
  for (let i = 1; i <= o.sandboxes; i++) {
    const sb = `s-${pad(i)}`;
    objs.push({ apiVersion: API, kind: 'Sandbox', metadata: { name: sb, namespace: 'default' }, spec: {} } as Resource);
    const onA = i % 2 === 1;
    const spec: Record<string, unknown> = { sandbox: sb, network: onA ? 't-a' : 't-b' };
    if (onA) spec.ports = [{ hostPort: 20000 + i + o.portShift, containerPort: 80 }, ...(i % 5 === 0 ? [{ hostPort: 22000 + i + o.portShift, containerPort: 53, protocol: 'udp' }] : [])];
    if (i === 4) spec.ipv4Address = '10.121.0.40';
    objs.push({ apiVersion: API, kind: 'Attachment', metadata: { name: `${sb}-${onA ? 'a' : 'b'}`, namespace: 'default' }, spec } as unknown as Resource);
    if (o.internal && i % 3 === 0) {
      objs.push({
        apiVersion: API,
        kind: 'Attachment',
        metadata: { name: `${sb}-c`, namespace: 'default' },
        spec: { sandbox: sb, network: 't-c', interface: 'eth1', ...(i === 3 ? { ipv4Address: '10.122.0.50' } : {}) },
      } as Resource);
    }
  }
  return objs;
}

export function keysOf(objs: readonly Resource[]): string[] {
  return objs.map((o) => (o.kind === 'Network' ? `Network/${o.metadata.name}` : `${o.kind}/${o.metadata.namespace ?? 'default'}/${o.metadata.name}`));
}

/** Makes dir hold exactly these objects (one file each); unchanged files are not rewritten. */
export function writeWorld(dir: string, objs: readonly Resource[]): void {
  mkdirSync(dir, { recursive: true });
  const want = new Map(objs.map((o) => [`${o.kind}-${o.metadata.name}.json`, JSON.stringify(o, null, 1) + '\n']));
  for (const f of readdirSync(dir)) if (!want.has(f)) rmSync(join(dir, f), { force: true });
  for (const [f, text] of want) {
    let cur: string | undefined;
    try {
      cur = readFileSync(join(dir, f), 'utf8');
    } catch {
      cur = undefined;
    }
    if (cur !== text) writeFileSync(join(dir, f), text);
  }
}
