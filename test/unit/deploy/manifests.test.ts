// deploy/: what `kubectl apply -k deploy/` installs. Rendered with the real kustomize (kubectl
// kustomize, no cluster needed) and checked object by object; the namespace and CRDs are applied
// with a server-side dry run against the test API server; the DaemonSet's arguments are parsed
// by the real CLI. The image itself is not built here (no container engine on these machines).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { generateCrds } from '../../../api/v1alpha1/crd.js';
import { run } from '../../../controllers/lib/exec.js';
import { parseCel } from '../../kubeapi/cel/parser.js';
import { startTestApiServer, type TestApiServer } from '../../kubeapi/index.js';
import { CLI } from '../../helpers/agent-process.js';
import { REPO_ROOT } from '../../helpers/repo.js';

const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
type Doc = Record<string, any>;

async function hasKubectl(): Promise<boolean> {
  try {
    return (await run({ argv: [KUBECTL, 'version', '--client'], timeoutMs: 20_000 })).code === 0;
  } catch {
    return false;
  }
}

const kubectl = await hasKubectl();

describe('deploy/ (kubectl apply -k deploy/)', { skip: kubectl ? false : 'no kubectl (install kubernetes-client)' }, () => {
  let docs: Doc[];
  const one = (kind: string): Doc => {
    const found = docs.filter((d) => d.kind === kind);
    assert.equal(found.length, 1, kind);
    return found[0]!;
  };
  before(async () => {
    const r = await run({ argv: [KUBECTL, 'kustomize', join(REPO_ROOT, 'deploy')], timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Doc);
  });

  it('renders the namespace, the generated CRDs, RBAC, the admission policy and the DaemonSet', () => {
    assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort(), [
      'ClusterRole/nodenet-agent',
      'ClusterRoleBinding/nodenet-agent',
      'CustomResourceDefinition/attachments.nodenet.io',
      'CustomResourceDefinition/networks.nodenet.io',
      'CustomResourceDefinition/overlaymembers.nodenet.io',
      'CustomResourceDefinition/sandboxes.nodenet.io',
      'DaemonSet/nodenet-agent',
      'Namespace/nodenet-system',
      'ServiceAccount/nodenet-agent',
      'ValidatingAdmissionPolicy/nodenet-agent-node-scope',
      'ValidatingAdmissionPolicy/nodenet-agent-overlay-members',
      'ValidatingAdmissionPolicyBinding/nodenet-agent-node-scope',
      'ValidatingAdmissionPolicyBinding/nodenet-agent-overlay-members',
    ]);
    for (const crd of generateCrds()) assert.deepEqual(docs.find((d) => d.metadata.name === crd.metadata.name), crd, 'CRDs are the generated ones');
    for (const d of docs.filter((x) => ['ServiceAccount', 'DaemonSet'].includes(x.kind))) assert.equal(d.metadata.namespace, 'nodenet-system');
    assert.equal(one('Namespace').metadata.labels['pod-security.kubernetes.io/enforce'], 'privileged');
  });

  it('RBAC: exactly the verbs the agent uses, nothing cluster-wide beyond them', () => {
    const role = one('ClusterRole');
    const flat = (role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]).flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g || 'core'}/${res}:${v}`))),
    );
    assert.deepEqual(flat.sort(), [
      'core/events:create', 'core/events:patch', 'core/nodes:list', 'core/nodes:watch',
      'nodenet.io/attachments/status:update', 'nodenet.io/attachments:get', 'nodenet.io/attachments:list', 'nodenet.io/attachments:patch', 'nodenet.io/attachments:watch',
      'nodenet.io/networks/status:update', 'nodenet.io/networks:get', 'nodenet.io/networks:list', 'nodenet.io/networks:patch', 'nodenet.io/networks:watch',
      // vxlan overlay claims: create is the claim, update the node's own VTEP, delete the release; never get or patch.
      'nodenet.io/overlaymembers:create', 'nodenet.io/overlaymembers:delete', 'nodenet.io/overlaymembers:list', 'nodenet.io/overlaymembers:update', 'nodenet.io/overlaymembers:watch',
      'nodenet.io/sandboxes/status:update', 'nodenet.io/sandboxes:get', 'nodenet.io/sandboxes:list', 'nodenet.io/sandboxes:patch', 'nodenet.io/sandboxes:watch',
    ]);
    const binding = one('ClusterRoleBinding');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'nodenet-agent' });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'nodenet-agent', namespace: 'nodenet-system' }]);
  });

  it('DaemonSet: host network and PIDs, NODE_NAME from the downward API, the mounts the agent writes, probes on loopback', () => {
    const ds = one('DaemonSet');
    const pod = ds.spec.template.spec;
    assert.equal(pod.hostNetwork, true);
    assert.equal(pod.hostPID, true);
    assert.equal(pod.dnsPolicy, 'Default');
    assert.equal(pod.serviceAccountName, one('ServiceAccount').metadata.name);
    assert.deepEqual(ds.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'nodenet-agent' });
    assert.equal(ds.spec.template.metadata.labels['app.kubernetes.io/name'], 'nodenet-agent');
    const c = pod.containers[0];
    assert.deepEqual(c.env, [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
    assert.equal(c.securityContext.privileged, true, 'Bidirectional propagation needs a privileged container');
    const arg = (flag: string): string | undefined => (c.args as string[]).find((a) => a.startsWith(`--${flag}=`))?.split('=')[1];
    const mount = (name: string): Doc => c.volumeMounts.find((m: Doc) => m.name === name);
    const volume = (name: string): Doc => pod.volumes.find((v: Doc) => v.name === name);
    assert.deepEqual(c.args.slice(0, 2), ['run', '--kube']);
    assert.equal(mount('netns').mountPath, arg('netns-dir'));
    assert.equal(mount('netns').mountPropagation, 'Bidirectional');
    assert.deepEqual(volume('netns').hostPath, { path: '/run/netns', type: 'DirectoryOrCreate' });
    assert.equal(mount('state').mountPath, arg('state-dir'));
    assert.deepEqual(volume('state').hostPath, { path: '/var/lib/nodenet', type: 'DirectoryOrCreate' });
    assert.equal(mount('xtables-lock').mountPath, '/run/xtables.lock');
    assert.deepEqual(volume('xtables-lock').hostPath, { path: '/run/xtables.lock', type: 'FileOrCreate' });
    const [host, port] = arg('metrics-addr')!.split(':');
    assert.equal(host, '127.0.0.1', 'metrics stay on loopback');
    for (const [probe, path] of [[c.livenessProbe, '/healthz'], [c.readinessProbe, '/readyz']] as const) {
      assert.deepEqual(probe.httpGet, { host: '127.0.0.1', path, port: Number(port) });
    }
    assert.equal(c.ports[0].containerPort, Number(port));
  });

  it('the DaemonSet\'s arguments are accepted by the real CLI', async () => {
    const c = one('DaemonSet').spec.template.spec.containers[0];
    const r = await run({ argv: [process.execPath, CLI, ...c.args, '--help'] });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--kube/);
    const bad = await run({ argv: [process.execPath, CLI, ...c.args, '--no-such-flag'] });
    assert.equal(bad.code, 2, 'the parse is strict, so the check above means something');
  });

  it('the admission policies: every CEL expression parses, they match all six resources and the overlay claims, each bound with Deny', () => {
    const named = (kind: string, name: string): Doc => docs.find((d) => d.kind === kind && d.metadata.name === name)!;
    const scope = named('ValidatingAdmissionPolicy', 'nodenet-agent-node-scope');
    const claims = named('ValidatingAdmissionPolicy', 'nodenet-agent-overlay-members');
    const exprs = (vap: Doc): string[] => [...vap.spec.matchConditions, ...vap.spec.variables, ...vap.spec.validations].map((x: { expression: string }) => x.expression);
    assert.ok(exprs(scope).length >= 15);
    assert.ok(exprs(claims).length >= 5);
    for (const e of [...exprs(scope), ...exprs(claims)]) assert.doesNotThrow(() => parseCel(e), e);
    assert.deepEqual(scope.spec.matchConstraints.resourceRules[0].resources.sort(), [
      'attachments', 'attachments/status', 'networks', 'networks/status', 'sandboxes', 'sandboxes/status',
    ]);
    assert.deepEqual(claims.spec.matchConstraints.resourceRules, [{ apiGroups: ['nodenet.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['overlaymembers'] }]);
    for (const vap of [scope, claims]) {
      assert.equal(vap.spec.failurePolicy, 'Fail');
      assert.deepEqual(vap.spec.matchConditions, scope.spec.matchConditions, 'both apply to the agent service account');
      const binding = named('ValidatingAdmissionPolicyBinding', vap.metadata.name);
      assert.equal(binding.spec.policyName, vap.metadata.name);
      assert.deepEqual(binding.spec.validationActions, ['Deny']);
    }
  });

  it('Dockerfile: two stages, the addon where native.ts loads it, nft and iptables in the runtime image', () => {
    const text = readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8');
    const froms = text.split('\n').filter((l) => l.startsWith('FROM '));
    assert.equal(froms.length, 2);
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    assert.match(runtime, /apt-get install[^\n]*nftables iptables/);
    assert.match(runtime, /\.\/controllers\/dataplane\/netlink\/native\/build\/Release\/nodenet_native\.node/);
    assert.match(runtime, /ENTRYPOINT \["node", "--enable-source-maps", "\/opt\/nodenet\/dist\/controllers\/cli\/main\.js"\]/);
    assert.doesNotMatch(runtime, /g\+\+|COPY --from=build \/src\/dist\/test/);
  });
});

describe('deploy/: server-side dry run of the namespace and CRDs against the test API server', { skip: kubectl ? false : 'no kubectl' }, () => {
  let server: TestApiServer;
  let dir: string;
  before(async () => {
    server = await startTestApiServer();
    dir = mkdtempSync(join(tmpdir(), 'nodenet-deploy-'));
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl apply --dry-run=server accepts them and stores nothing', async () => {
    const r = await run({ argv: [KUBECTL, 'kustomize', join(REPO_ROOT, 'deploy')], timeoutMs: 60_000 });
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Doc).filter((d) => ['Namespace', 'CustomResourceDefinition'].includes(d.kind));
    const file = join(dir, 'served.yaml');
    writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
    const out = await run({ argv: [KUBECTL, '--kubeconfig', server.kubeconfigPath, '--cache-dir', join(dir, 'cache'), 'apply', '--dry-run=server', '-f', file], timeoutMs: 60_000 });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /namespace\/nodenet-system created \(server dry run\)/);
    assert.match(out.stdout, /customresourcedefinition.apiextensions.k8s.io\/networks.nodenet.io created \(server dry run\)/);
    assert.equal(server.objects('namespaces').some((n) => n.metadata.name === 'nodenet-system'), false);
  });
});
