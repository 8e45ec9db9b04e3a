// The whole kube-mode agent in-process: KubeSource + KubeStatusSink + the engine on the fake
// dataplane, against the test API server, as a given test user (so RBAC and admission stand-ins
// apply to exactly what the agent sends).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../controllers/agent/agent.js';
import { describeOp } from '../../controllers/dataplane/describe.js';
import { createFakeDataplane, type FakeDataplane } from '../../controllers/dataplane/fake.js';
import { KubeApi } from '../../controllers/source/kube/api.js';
import { EventRecorder } from '../../controllers/source/kube/events.js';
import { KubeSource, type KubeSourceOptions } from '../../controllers/source/kube/source.js';
import { Ledger } from '../../controllers/state/ledger.js';
import { KubeStatusSink } from '../../controllers/status/kube-sink.js';
import { KubeOverlayMembers, type KubeOverlayOptions } from '../../controllers/overlay/kube/members.js';
import { withOverlayMembers } from '../../controllers/overlay/kube/wire.js';
import { RecordingFirewall } from './engine.js';
import type { KubeWorld } from './kube.js';

export interface KubeEngine {
  agent: Agent;
  /** The overlay member source (vxlan without peers), when started with overlay. */
  overlay?: KubeOverlayMembers;
  dp: FakeDataplane;
  source: KubeSource;
  sink: KubeStatusSink;
  events: EventRecorder;
  /** Waits until reconciles, status writes and events are done. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startKubeEngine(opts: {
  world: KubeWorld;
  node: string;
  user?: string;
  dp?: FakeDataplane;
  source?: Partial<KubeSourceOptions>;
  /** Wire the overlay member source as run --kube does (options over test defaults). */
  overlay?: Partial<KubeOverlayOptions>;
  stateDir?: string;
}): Promise<KubeEngine> {
  const api = new KubeApi(opts.world.server.kubeConfig(opts.user ?? 'admin'));
  const events = new EventRecorder({ api, node: opts.node });
  let sink: KubeStatusSink | undefined;
  const source = new KubeSource({
    kc: api.kc,
    api,
    node: opts.node,
    events,
    reportProblem: (key, raw, reason, message) => sink!.reportProblem(key, raw, reason, message),
    orphanSweepMs: 0,
    orphanSweepDelayMs: () => 50,
    resyncMs: 0,
    ...opts.source,
  });
  sink = new KubeStatusSink({ api, node: opts.node, view: source, events });
  const dp = opts.dp ?? createFakeDataplane();
  const overlay = opts.overlay ? new KubeOverlayMembers({ api, node: opts.node, dp, deadNodeSweepMs: 0, deadNodeSweepDelayMs: () => 50, resyncMs: 0, ...opts.overlay }) : undefined;
  const agent = new Agent({
    config: { netnsDir: '/run/netns', stateDir: opts.stateDir ?? mkdtempSync(join(tmpdir(), 'nodenet-kube-engine-')), hostResolvConf: '/nonexistent-resolv.conf', nodeName: opts.node },
    dp,
    firewall: new RecordingFirewall(),
    describe: describeOp,
    source: overlay ? withOverlayMembers(source, overlay) : source,
    ...(overlay ? { overlayMembers: overlay } : {}),
    statusSink: sink,
    metricsAddr: null,
    resyncMs: 0,
    concurrency: 4,
    ledger: Ledger.memory(),
  });
  overlay?.bind(agent.ctx);
  await agent.start();
  const settled = async (): Promise<void> => {
    await agent.settled();
    await sink!.idle();
    await events.flushed();
  };
  return {
    agent, dp, source, sink, events, settled,
    ...(overlay ? { overlay } : {}),
    stop: async () => {
      await agent.stop();
      await sink!.close(2000);
    },
  };
}
