// Valid objects to start each test from; each test breaks exactly the field it is about.
import type { Attachment, Network, Sandbox } from '../../../../api/v1alpha1/types.js';

export function network(name = 'frontend', subnet = '10.88.0.0/24', extra: Partial<Network['spec']> = {}): Network {
  return { apiVersion: 'nodenet.io/v1alpha1', kind: 'Network', metadata: { name }, spec: { ipam: { ipv4: { subnet } }, ...extra } };
}

export function sandbox(name = 'web-1', spec: Sandbox['spec'] = {}): Sandbox {
  return { apiVersion: 'nodenet.io/v1alpha1', kind: 'Sandbox', metadata: { name, namespace: 'default' }, spec };
}

export function attachment(name = 'web-1-frontend', spec: Partial<Attachment['spec']> = {}): Attachment {
  return {
    apiVersion: 'nodenet.io/v1alpha1',
    kind: 'Attachment',
    metadata: { name, namespace: 'default' },
    spec: { sandbox: 'web-1', network: 'frontend', ...spec },
  };
}

/** A deep copy to mutate freely (fixtures are plain JSON). */
export function clone<T>(v: T): T {
  return structuredClone(v);
}
