// The benchmark's declared world: a few bridge networks and N sandboxes, each with one
// attachment publishing one TCP port, one file per sandbox (Sandbox + Attachment), the way a
// tool that starts containers would write them. The baseline script derives the same kernel
// objects (addresses, MACs, ports) from the same indices.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A Linux bridge takes at most 1024 ports (BR_MAX_PORTS; Docker has the same limit per network):
 * four networks up to 4000 sandboxes, then one more network per 1000.
 */
export function networkCount(n: number): number {
  return Math.max(4, Math.ceil(n / 1000));
}
/** Host ports: the N sandboxes, "one more" sandboxes, and changed mappings never collide. */
export const PORT_BASE = 20_000;
export const EXTRA_PORT_BASE = 40_000;
export const CHANGED_PORT_BASE = 50_000;
export const CONTAINER_PORT = 80;

export function networkOf(i: number, n: number): number {
  return i % networkCount(n);
}

/** /16 per network: room for 10k+ attachments over four networks. */
export function subnetOf(k: number): { subnet: string; gateway: string; prefix: number } {
  return { subnet: `10.${100 + k}.0.0/16`, gateway: `10.${100 + k}.0.1`, prefix: 16 };
}

/** The address the baseline script gives sandbox i (the agent's IPAM picks its own). */
export function baselineAddress(i: number, n: number): string {
  const host = Math.floor(i / networkCount(n)) + 2;
  return `10.${100 + networkOf(i, n)}.${host >> 8}.${host & 255}`;
}

export function networksYaml(n: number): string {
  const docs: string[] = [];
  for (let k = 0; k < networkCount(n); k++) {
    docs.push(
      [
        'apiVersion: nodenet.io/v1alpha1',
        'kind: Network',
        `metadata: {name: bench-${k}}`,
        'spec:',
        `  ipam: {ipv4: {subnet: ${subnetOf(k).subnet}}}`,
      ].join('\n'),
    );
  }
  return docs.join('\n---\n') + '\n';
}

export interface SandboxDoc {
  sandbox: string;
  attachment: string;
  network: number;
  hostPort: number;
}

export function benchSandbox(i: number, n: number): SandboxDoc {
  return { sandbox: `s-${i}`, attachment: `a-${i}`, network: networkOf(i, n), hostPort: PORT_BASE + i };
}

export function extraSandbox(j: number, n: number): SandboxDoc {
  return { sandbox: `x-${j}`, attachment: `xa-${j}`, network: networkOf(j, n), hostPort: EXTRA_PORT_BASE + j };
}

export function sandboxYaml(d: SandboxDoc): string {
  return [
    `{apiVersion: nodenet.io/v1alpha1, kind: Sandbox, metadata: {name: ${d.sandbox}}, spec: {}}`,
    '---',
    `{apiVersion: nodenet.io/v1alpha1, kind: Attachment, metadata: {name: ${d.attachment}}, spec: {sandbox: ${d.sandbox}, network: bench-${d.network}, ports: [{hostPort: ${d.hostPort}, containerPort: ${CONTAINER_PORT}}]}}`,
    '',
  ].join('\n');
}

export function fileOf(dir: string, d: SandboxDoc): string {
  return join(dir, `${d.sandbox}.yaml`);
}

/** Replaces a manifest the way careful tools do: a hidden temp file renamed over the target. */
export function writeManifest(path: string, text: string): void {
  const tmp = join(path, '..', `.${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function writeWorld(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'networks.yaml'), networksYaml(n));
  for (let i = 0; i < n; i++) writeFileSync(fileOf(dir, benchSandbox(i, n)), sandboxYaml(benchSandbox(i, n)));
}

export function removeSandboxFiles(dir: string, docs: readonly SandboxDoc[]): void {
  for (const d of docs) rmSync(fileOf(dir, d), { force: true });
}
