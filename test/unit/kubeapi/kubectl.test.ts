// The real kubectl against the test server: apply a CRD and custom resources, get with printer
// columns, -o yaml, selectors, wait for a condition set through the status subresource, delete.
// Uses $KUBECTL or `kubectl` on PATH (verified with 1.32 from google-cloud-sdk and Debian's 1.20).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run, type ExecResult } from '../../../controllers/lib/exec.js';
import { raw, startTestApiServer, type TestApiServer } from '../../kubeapi/index.js';
import { widget, widgetCrd } from './fixtures.js';

const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';

async function kubectlVersion(): Promise<string | undefined> {
  try {
    const r = await run({ argv: [KUBECTL, 'version', '--client'], timeoutMs: 20_000 });
    return r.code === 0 ? r.stdout : undefined;
  } catch {
    return undefined;
  }
}

const version = await kubectlVersion();

describe('kubeapi with kubectl', { skip: version ? false : `no kubectl found (${KUBECTL}); install kubernetes-client` }, () => {
  let server: TestApiServer;
  let dir: string;
  const k = async (...args: string[]): Promise<ExecResult> => run({ argv: [KUBECTL, '--kubeconfig', server.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args], timeoutMs: 30_000 });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await k(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const file = (name: string, ...docs: unknown[]): string => {
    const p = join(dir, name);
    writeFileSync(p, docs.map((d) => stringify(d)).join('---\n'));
    return p;
  };

  before(async () => {
    server = await startTestApiServer();
    dir = mkdtempSync(join(tmpdir(), 'kubectl-test-'));
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a CRD and custom resources, prints columns, yaml, selections, waits and deletes', async () => {
    assert.match(await ok('apply', '-f', file('crd.yaml', widgetCrd())), /customresourcedefinition.apiextensions.k8s.io\/widgets.test.example.com created/);
    await ok('wait', '--for=condition=Established', 'crd/widgets.test.example.com', '--timeout=5s');
    const crs = file('widgets.yaml', widget('alpha', { nodeName: 'node-a', size: 2 }, { app: 'demo' }), widget('beta', { nodeName: 'node-b' }));
    const applied = await ok('apply', '-f', crs);
    assert.match(applied, /widget.test.example.com\/alpha created/);
    assert.match(applied, /widget.test.example.com\/beta created/);
    assert.match(await ok('apply', '-f', crs), /widget.test.example.com\/alpha unchanged/);

    const table = await ok('get', 'widgets');
    const lines = table.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+NODE\s+SIZE\s+READY\s+AGE$/);
    assert.match(lines[1]!, /^alpha\s+node-a\s+2\s+\d+s$/);
    assert.match(lines[2]!, /^beta\s+node-b\s+1\s+\d+s$/, 'defaulted size shown; Ready empty');
    assert.match(await ok('get', 'wg', '-l', 'app=demo'), /alpha/);
    assert.doesNotMatch(await ok('get', 'wg', '-l', 'app=demo'), /beta/);
    const selected = await ok('get', 'widgets', '--field-selector', 'spec.nodeName=node-b', '-o', 'name');
    assert.equal(selected.trim(), 'widget.test.example.com/beta');

    const yaml = await ok('get', 'widget', 'alpha', '-o', 'yaml');
    assert.match(yaml, /apiVersion: test.example.com\/v1/);
    assert.match(yaml, /kind: Widget/);
    assert.match(yaml, /generation: 1/);
    assert.match(yaml, /kubectl.kubernetes.io\/last-applied-configuration/);
    assert.match(yaml, /nodeName: node-a/);

    const bad = await k('apply', '-f', file('bad.yaml', widget('gamma', { nodeName: 'node-a', size: 5, maxSize: 1 })));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec.maxSize: Invalid value: "object": maxSize must be >= size/);

    const waiting = k('wait', '--for=condition=Ready', 'widget/alpha', '--timeout=5s');
    await new Promise((r) => setTimeout(r, 300));
    const path = '/apis/test.example.com/v1/namespaces/default/widgets/alpha/status';
    const st = await raw(server.rawTarget(), { method: 'PATCH', path, contentType: 'application/merge-patch+json', body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Converged', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z' }] } } });
    assert.equal(st.code, 200);
    const waited = await waiting;
    assert.equal(waited.code, 0, `kubectl wait: ${waited.stderr}`);
    assert.match(waited.stdout, /widget.test.example.com\/alpha condition met/);
    assert.match(await ok('get', 'widgets', 'alpha'), /alpha\s+node-a\s+2\s+True\s+/);

    assert.match(await ok('delete', '-f', crs), /widget.test.example.com "alpha" deleted/);
    assert.equal(server.objects('widgets.test.example.com').length, 0);
    assert.match((await k('get', 'widgets')).stderr, /No resources found/);
  });

  it('applies built-in kinds with strategic merge patches', async () => {
    const docs: Record<string, unknown>[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { a: 'b' } } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } } },
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l1', namespace: 'team' }, spec: { holderIdentity: 'node-a' } },
    ];
    await ok('apply', '-f', file('builtins.yaml', ...docs));
    docs[0] = { ...docs[0]!, metadata: { name: 'team', labels: { a: 'c' } } };
    assert.match(await ok('apply', '-f', file('builtins.yaml', ...docs)), /namespace\/team configured/);
    assert.equal(server.object('namespaces', 'team')?.metadata.labels?.['a'], 'c');
    assert.match(await ok('get', 'leases', '-n', 'team'), /l1\s+node-a/);
    assert.match(await ok('get', 'nodes'), /node-a\s+Unknown/);
  });

  it('applies server-side, recording kubectl as the field manager', async () => {
    const f = file('ssa.yaml', widget('ssa', { nodeName: 'node-c', size: 3 }));
    assert.match(await ok('apply', '--server-side', '-f', f), /widget.test.example.com\/ssa serverside-applied/);
    const stored = server.object('widgets.test.example.com', 'ssa', 'default');
    assert.deepEqual(stored?.metadata.managedFields?.map((e) => `${e.manager}/${e.operation}`), ['kubectl/Apply']);
    assert.match(await ok('get', 'widgets', 'ssa'), /ssa\s+node-c\s+3/);
  });
});
