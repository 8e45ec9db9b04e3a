// Injection canary documents: every string field of every kind set to each canary (alone, glued
// to a valid value, and tagged with a token so a leak is found whatever syntax surrounds it), and
// valid objects carrying tagged canaries in the free-text fields that accept anything.
import { stringify } from 'yaml';
import { formatPath, type PathSegment } from '../../../api/v1alpha1/paths.js';
import type { Network, Resource } from '../../../api/v1alpha1/types.js';
import { CANARIES } from './bad-values.js';

const API = 'nodenet.io/v1alpha1';
export const base = (): Record<string, Resource> => ({
  Network: { apiVersion: API, kind: 'Network', metadata: { name: 'front' }, spec: { bridge: { name: 'br-front' }, ipam: { ipv4: { subnet: '10.88.0.0/24', gateway: '10.88.0.1', range: '10.88.0.0/25', reserved: ['10.88.0.5'] }, ipv6: { subnet: 'fd00:88::/64' } }, allowedNamespaces: ['default'], nodeSelector: { zone: 'a' } } },
  Sandbox: { apiVersion: API, kind: 'Sandbox', metadata: { name: 'web', namespace: 'default' }, spec: { netns: { name: 'web' }, hostname: 'web', dns: { nameservers: ['10.88.0.1'], search: ['svc.local'], options: ['ndots:2'] }, extraHosts: [{ hostname: 'db', ip: '10.88.0.9' }], nodeName: 'node-a' } },
  Attachment: { apiVersion: API, kind: 'Attachment', metadata: { name: 'web-front', namespace: 'default' }, spec: { sandbox: 'web', network: 'front', interface: 'eth0', ipv4Address: '10.88.0.10', ipv6Address: 'fd00:88::10', macAddress: '02:42:0a:58:00:0a', aliases: ['www'], ports: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '0.0.0.0' }] } },
});

/** Every string field of each kind (values, and keys of free maps). */
export const FIELDS: Record<string, PathSegment[][]> = {
  Network: [['metadata', 'name'], ['metadata', 'labels', 'app'], ['spec', 'driver'], ['spec', 'bridge', 'name'], ['spec', 'bridge', 'hostBindingIPv4'], ['spec', 'ipam', 'ipv4', 'subnet'], ['spec', 'ipam', 'ipv4', 'gateway'], ['spec', 'ipam', 'ipv4', 'range'], ['spec', 'ipam', 'ipv4', 'reserved', 0], ['spec', 'ipam', 'ipv6', 'subnet'], ['spec', 'allowedNamespaces', 0], ['spec', 'nodeSelector', 'zone']],
  Sandbox: [['metadata', 'name'], ['metadata', 'namespace'], ['spec', 'netns', 'name'], ['spec', 'hostname'], ['spec', 'dns', 'nameservers', 0], ['spec', 'dns', 'search', 0], ['spec', 'dns', 'options', 0], ['spec', 'extraHosts', 0, 'hostname'], ['spec', 'extraHosts', 0, 'ip'], ['spec', 'nodeName']],
  Attachment: [['metadata', 'name'], ['metadata', 'namespace'], ['spec', 'sandbox'], ['spec', 'network'], ['spec', 'interface'], ['spec', 'ipv4Address'], ['spec', 'ipv6Address'], ['spec', 'macAddress'], ['spec', 'aliases', 0], ['spec', 'ports', 0, 'hostIP'], ['spec', 'ports', 0, 'protocol']],
};
/** Accepted as any text by design; never used for anything but display. */
export const FREE: PathSegment[][] = [['metadata', 'annotations', 'note'], ['metadata', 'generateName'], ['metadata', 'finalizers', 0], ['metadata', 'uid'], ['metadata', 'resourceVersion']];

function setAt(o: unknown, path: readonly PathSegment[], v: unknown): void {
  let cur = o as Record<PathSegment, unknown>;
  for (const k of path.slice(0, -1)) cur = (cur[k] ??= typeof k === 'number' ? [] : {}) as Record<PathSegment, unknown>;
  cur[path[path.length - 1]!] = v;
}

/** A token every injected value carries, so a leak is found whatever syntax surrounds it ("}" is legal nft). */
export const TOKEN = 'nncanary';

/** The canary alone, glued to a valid value ("web; reboot": prefix checks are not enough), and tagged. */
function variants(c: string, valid: unknown): string[] {
  return typeof valid === 'string' && valid !== '' ? [c, `${valid}${c}`, `${TOKEN}${c}`] : [c, `${TOKEN}${c}`];
}

function get(o: unknown, path: readonly PathSegment[]): unknown {
  return path.reduce<unknown>((x, k) => (x as Record<PathSegment, unknown>)?.[k], o);
}

export const leaks = (text: string): boolean => text.toLowerCase().includes(TOKEN);

export interface CanaryDoc {
  name: string;
  text: string;
  refused: boolean;
}

export function canaryDocs(): CanaryDoc[] {
  const docs: CanaryDoc[] = [];
  let n = 0;
  for (const [kind, fields] of Object.entries(FIELDS)) {
    for (const path of fields) {
      for (const c of CANARIES) {
        for (const v of variants(c, get(base()[kind], path))) {
          const o = base()[kind]!;
          setAt(o, path, v);
          if (formatPath(path) !== 'metadata.name') o.metadata.name = `c${n}`;
          docs.push({ name: `${kind}-${formatPath(path)}-${n++}`, text: stringify(o), refused: true });
        }
      }
    }
  }
  for (const path of FREE) {
    for (const c of CANARIES) {
      const o = base().Network as Network;
      o.metadata.name = `free${n}`;
      o.spec.ipam!.ipv4!.subnet = `10.${(n % 200) + 20}.0.0/24`;
      delete o.spec.ipam!.ipv6;
      delete o.spec.bridge;
      setAt(o, path, `${TOKEN}${c}`);
      docs.push({ name: `free-${formatPath(path)}-${n++}`, text: stringify(o), refused: false });
    }
  }
  return docs;
}

