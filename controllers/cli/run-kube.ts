// `nodenet run --kube`: the agent with custom resources as desired state and the status
// subresource as its report. In a pod it uses the in-cluster config (KUBERNETES_SERVICE_HOST),
// by hand --kubeconfig or the default kubeconfig loading ($KUBECONFIG, ~/.kube/config). The
// runtime around the engine (state, drift watcher, signals) is file mode's: agent-runtime.ts.
import { KubeConfig } from '@kubernetes/client-node';
import { log } from '../lib/log.js';
import { KubeApi } from '../source/kube/api.js';
import { EventRecorder } from '../source/kube/events.js';
import { KubeSource } from '../source/kube/source.js';
import { KubeStatusSink } from '../status/kube-sink.js';
import { KubeOverlayMembers } from '../overlay/kube/members.js';
import { withOverlayMembers } from '../overlay/kube/wire.js';
import { runAgent, type RuntimeValues } from './agent-runtime.js';
import { UsageError, parseDuration } from './options.js';

export type KubeRunValues = RuntimeValues & {
  kubeconfig?: string | undefined;
  'node-name': string;
  'orphan-sweep': string;
};

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (cause) {
    throw new Error(`load kubeconfig ${kubeconfig ?? '(in-cluster or default)'}`, { cause });
  }
  if (!kc.getCurrentCluster()) throw new UsageError('no current cluster in the kubeconfig: pass --kubeconfig or run in a pod');
  return kc;
}

export async function runKube(values: KubeRunValues): Promise<number> {
  const node = values['node-name'];
  if (!DNS_SUBDOMAIN.test(node)) throw new UsageError(`--node-name ${JSON.stringify(node)} is not a Kubernetes node name (DNS subdomain)`);
  const kc = loadKubeConfig(values.kubeconfig);
  const orphanSweepMs = parseDuration('orphan-sweep', values['orphan-sweep']);
  const resyncMs = parseDuration('resync', values.resync);
  let finalizer = '';
  return runAgent({
    values,
    nodeName: node,
    // The API is not read yet when the ledger is rebuilt: no declared hints.
    rebuildHints: () => new Map(),
    mode: ({ adoptDirs, allowHostNetns, dp }) => {
      const api = new KubeApi(kc);
      const events = new EventRecorder({ api, node });
      // The source writes reports of objects the engine never sees through the sink, and the sink
      // asks the source whether an erased report is still wanted: built in this order, linked late.
      let sink: KubeStatusSink | undefined;
      const source = new KubeSource({
        kc,
        api,
        node,
        validate: { netnsDirs: adoptDirs, allowHostNetns },
        events,
        reportProblem: (key, raw, reason, message) => sink!.reportProblem(key, raw, reason, message),
        orphanSweepMs,
        resyncMs,
      });
      sink = new KubeStatusSink({ api, node, view: source, events });
      finalizer = source.finalizer;
      // vxlan overlays without spec.vxlan.peers: members and slices are OverlayMember objects.
      const overlay = new KubeOverlayMembers({ api, node, dp, deadNodeSweepMs: orphanSweepMs, resyncMs });
      const statusSink = sink;
      return {
        source: withOverlayMembers(source, overlay),
        overlayMembers: overlay,
        onAgent: (agent) => overlay.bind(agent.ctx),
        statusSink,
        afterStop: async () => {
          await statusSink.close(5000);
          await events.flushed();
        },
      };
    },
    onStarting: () => log.info('kube mode', { node, server: kc.getCurrentCluster()?.server, finalizer }),
  });
}
