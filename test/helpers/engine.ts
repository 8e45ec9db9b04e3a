// The agent with in-memory parts: a source fed by the test, status kept in memory, the fake
// dataplane and a firewall that records the models it is asked to realize.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '../../api/v1alpha1/types.js';
import { Agent } from '../../controllers/agent/agent.js';
import type { DriftOptions } from '../../controllers/agent/drift/tracker.js';
import { StaticSource as MemorySource } from '../../controllers/agent/static-source.js';
import { MemoryStatusSink } from '../../controllers/status/memory-sink.js';
import { describeOp } from '../../controllers/dataplane/describe.js';
import { createFakeDataplane, type FakeDataplane } from '../../controllers/dataplane/fake.js';
import type { Firewall, FwModel, FwSyncResult } from '../../controllers/dataplane/firewall/types.js';
import { listManifests } from '../../controllers/cli/status.js';
import { parseManifestFile } from '../../controllers/source/file/parse.js';
import { Ledger } from '../../controllers/state/ledger.js';
import type { EngineConfig } from '../../controllers/reconcile/context.js';
import { REPO_ROOT } from './repo.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

export { MemoryStatusSink } from '../../controllers/status/memory-sink.js';
export { StaticSource as MemorySource } from '../../controllers/agent/static-source.js';

/** Records every model; "changes" counts ports/networks that differ from the previous model. */
export class RecordingFirewall implements Firewall {
  models: FwModel[] = [];
  removed = false;
  async sync(model: FwModel): Promise<FwSyncResult> {
    const prev = JSON.stringify(this.models.at(-1) ?? null);
    this.models.push(structuredClone(model));
    return { changes: prev === JSON.stringify(model) ? 0 : 1, script: '' };
  }
  async plan(): Promise<string[]> {
    return [];
  }
  render(): string {
    return '';
  }
  invalidate(): void {}
  async remove(): Promise<number> {
    this.removed = true;
    return 0;
  }
  last(): FwModel | undefined {
    return this.models.at(-1);
  }
}

export interface TestAgentOptions {
  dp?: FakeDataplane;
  sink?: MemoryStatusSink;
  ledger?: Ledger;
  /** Engine settings over the defaults below (adopt policy, tenancy...). */
  config?: Partial<EngineConfig>;
  /** A firewall other than the recording one (e.g. the real nft firewall over a recording exec runner). */
  firewall?: Firewall;
  nodeName?: string;
  drift?: DriftOptions;
}

export interface TestAgent {
  agent: Agent;
  dp: FakeDataplane;
  source: MemorySource;
  /** The recording firewall (also when another firewall was passed in: then it stays empty). */
  firewall: RecordingFirewall;
  sink: MemoryStatusSink;
  ledger: Ledger;
  stop(): Promise<void>;
}

export async function startTestAgent(objects: Resource[], opts: TestAgentOptions = {}): Promise<TestAgent> {
  const dp = opts.dp ?? createFakeDataplane();
  const source = new MemorySource(objects);
  const firewall = opts.firewall instanceof RecordingFirewall ? opts.firewall : new RecordingFirewall();
  const sink = opts.sink ?? new MemoryStatusSink();
  const ledger = opts.ledger ?? Ledger.memory();
  const agent = new Agent({
    config: {
      netnsDir: '/run/netns',
      stateDir: mkdtempSync(join(tmpdir(), 'nodenet-engine-')),
      hostResolvConf: '/nonexistent-resolv.conf',
      nodeName: opts.nodeName ?? 'test',
      ...opts.config,
    },
    dp,
    firewall: opts.firewall ?? firewall,
    describe: describeOp,
    source,
    statusSink: sink,
    metricsAddr: null,
    resyncMs: 0,
    concurrency: 4,
    ledger,
    ...(opts.drift ? { drift: opts.drift } : {}),
  });
  await agent.start();
  await agent.settled();
  return { agent, dp, source, firewall, sink, ledger, stop: () => agent.stop() };
}

/** The objects of manifests/examples/netconf, parsed and validated like file mode does. */
export function exampleObjects(): Resource[] {
  const dir = join(REPO_ROOT, 'manifests/examples/netconf');
  return listManifests(dir).flatMap((f) => parseManifestFile(f, readFileSync(f, 'utf8')).objects.map((o) => o.object));
}

export function readyOf(sink: MemoryStatusSink, key: string): string | undefined {
  const conds = (sink.records.get(key)?.status.conditions ?? []) as { type: string; status: string; reason: string; message: string }[];
  const r = conds.find((c) => c.type === 'Ready');
  return r ? `${r.status}:${r.reason}${r.message ? ` ${r.message}` : ''}` : undefined;
}
