// FirewallSync decides between the complete model and per-attachment port changes: a request
// without a key (a network reconcile) costs a complete sync only when the networks changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Firewall, FwModel, FwPort, FwSyncResult } from '../../../../controllers/dataplane/firewall/types.js';
import { NoPortBaseError } from '../../../../controllers/dataplane/firewall/types.js';
import type { FirewallModelSource, ModelNetwork, RawPort } from '../../../../controllers/reconcile/firewall-model.js';
import { FirewallSync } from '../../../../controllers/reconcile/firewall-sync.js';

class CountingFirewall implements Firewall {
  complete = 0;
  partial = 0;
  private base = false;
  async sync(_model: FwModel): Promise<FwSyncResult> {
    this.complete++;
    this.base = true;
    return { changes: 1, script: '' };
  }
  async syncPorts(changes: ReadonlyMap<string, readonly FwPort[]>): Promise<FwSyncResult> {
    if (!this.base) throw new NoPortBaseError();
    this.partial++;
    return { changes: changes.size, script: '' };
  }
  async plan(): Promise<string[]> {
    return [];
  }
  render(): string {
    return '';
  }
  invalidate(): void {
    this.base = false;
  }
  async remove(): Promise<number> {
    return 0;
  }
}

function source(state: { net: ModelNetwork; ports: RawPort[] }): FirewallModelSource {
  return {
    full: () => ({ networks: [state.net], ports: state.ports }),
    complete: () => ({ model: { networks: [state.net], ports: state.ports }, byKey: new Map([['Attachment/default/a', state.ports]]) }),
    networks: () => new Map([[state.net.name, state.net]]),
    ports: () => state.ports,
    ownerOf: () => 'default/a',
  };
}

const net = (masquerade: boolean): ModelNetwork => ({ name: 'n', bridge: 'nn-n', subnets: ['10.1.0.0/24'], internal: false, masquerade, icc: true, isolation: true, hostBinding: '0.0.0.0' }) as ModelNetwork;
const port = (hostPort: number): RawPort => ({ owner: 'default/a', bridge: 'nn-n', hostIP: '0.0.0.0', hostPort, protocol: 'tcp', containerIP: '10.1.0.2', containerPort: 80, implied: false });

test('sync() without a key: complete only at first, after invalidate() and when the networks change', async () => {
  const fw = new CountingFirewall();
  const state = { net: net(true), ports: [port(8080)] };
  const s = new FirewallSync(fw, source(state));
  await s.sync();
  assert.equal(fw.complete, 1, 'the first sync builds the complete model');
  await s.sync();
  assert.deepEqual([fw.complete, fw.partial], [1, 0], 'unchanged networks, nothing dirty: no firewall call at all');
  state.ports = [port(8081)];
  await s.sync('Attachment/default/a');
  assert.deepEqual([fw.complete, fw.partial], [1, 1], 'a changed attachment goes the per-port way');
  state.net = net(false);
  await s.sync();
  assert.equal(fw.complete, 2, 'a changed network needs the complete model');
  s.invalidate();
  await s.sync();
  assert.equal(fw.complete, 3, 'after invalidate() (resync, drift) the complete model again');
});
