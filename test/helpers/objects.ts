// Small builders for test manifests (valid objects; each test sets the fields it is about).
import type { Attachment, Network, Sandbox } from '../../api/v1alpha1/types.js';

export function net(name: string, spec: Network['spec']): Network {
  return { apiVersion: 'nodenet.io/v1alpha1', kind: 'Network', metadata: { name }, spec };
}

export function sandbox(name: string, spec: Sandbox['spec'] = {}): Sandbox {
  return { apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name, namespace: 'default' }, spec };
}

export function attach(name: string, sb: string, network: string, extra: Partial<Attachment['spec']> = {}): Attachment {
  return { apiVersion: 'nodenet.io/v1alpha1', kind: 'Attachment', metadata: { name, namespace: 'default' }, spec: { sandbox: sb, network, ...extra } };
}

/** YAML of objects, one document each (file mode manifests for agent processes). */
export function toYaml(objects: readonly (Network | Sandbox | Attachment)[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';
}
