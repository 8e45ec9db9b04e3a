// Kubeconfig files for the test server: one context per user, each with its bearer token.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigArgs {
  server: string;
  user: string;
  token: string;
  namespace?: string;
  caData?: string;
}

export function kubeconfigYaml(a: KubeconfigArgs): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: a.server, ...(a.caData ? { 'certificate-authority-data': a.caData } : {}) } }],
    users: [{ name: a.user, user: { token: a.token } }],
    contexts: [{ name: a.user, context: { cluster: 'test', user: a.user, ...(a.namespace ? { namespace: a.namespace } : {}) } }],
    'current-context': a.user,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, a: KubeconfigArgs): string {
  writeFileSync(path, kubeconfigYaml(a), { mode: 0o600 });
  return path;
}
