// A Network's status in kube mode: one entry per node in status.nodes (a list-map keyed by node),
// each holding exactly what file mode reports for the network on that node, and a summary that
// every writer recomputes from the entries it read, so summary and entries always agree:
//   conditions (Ready: every reporting node is Ready; Degraded: some node is), nodeCount,
//   readyNodes, observedGeneration (the oldest generation any node has acted on).
import type { Condition, NetworkNodeStatus, NetworkStatus } from '../../api/v1alpha1/types.js';
import { setConditions, isTrue, conditionOf, type ConditionInput } from './conditions.js';

/** How many not-ready nodes a summary message names before it says "and N more". */
const NAMED_NODES = 5;
/** Each node's message is cut to this in the summary, which must stay within a condition's limit. */
const MESSAGE_PER_NODE = 300;

export function entryOf(status: NetworkStatus | undefined, node: string): NetworkNodeStatus | undefined {
  return status?.nodes?.find((e) => e.node === node);
}

/** The status with node's entry replaced (or removed, when entry is undefined) and the summary recomputed. */
export function withNodeEntry(opts: {
  status: NetworkStatus | undefined;
  node: string;
  entry: Omit<NetworkNodeStatus, 'node'> | undefined;
  now: string;
}): NetworkStatus {
  const others = (opts.status?.nodes ?? []).filter((e) => e.node !== opts.node);
  const nodes = opts.entry ? [...others, { node: opts.node, ...opts.entry }] : others;
  nodes.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return summarize(opts.status?.conditions, nodes, opts.now);
}

function summarize(prev: Condition[] | undefined, nodes: NetworkNodeStatus[], now: string): NetworkStatus {
  const ready = nodes.filter((e) => isTrue(e.conditions, 'Ready'));
  const degraded = nodes.filter((e) => isTrue(e.conditions, 'Degraded'));
  const generations = nodes.map((e) => e.observedGeneration).filter((g): g is number => typeof g === 'number');
  const observed = generations.length ? Math.min(...generations) : undefined;
  const notReady = nodes.filter((e) => !ready.includes(e));
  const next: ConditionInput[] = [
    nodes.length === 0
      ? { type: 'Ready', status: 'False', reason: 'NoNodes', message: 'no node realizes this network: check spec.nodeSelector and that the agents run' }
      : notReady.length === 0
        ? { type: 'Ready', status: 'True', reason: 'Converged', message: '' }
        : {
            type: 'Ready',
            status: 'False',
            reason: 'NodesNotReady',
            message: `${ready.length} of ${nodes.length} nodes ready; ${describe(notReady, 'Ready')}`,
          },
    degraded.length === 0
      ? { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' }
      : { type: 'Degraded', status: 'True', reason: 'NodesDegraded', message: describe(degraded, 'Degraded') },
  ];
  const conditions = setConditions({ prev, next, managed: ['Ready', 'Degraded'], generation: observed, now });
  return {
    ...(observed !== undefined ? { observedGeneration: observed } : {}),
    conditions,
    nodes,
    nodeCount: nodes.length,
    readyNodes: ready.length,
  };
}

function describe(entries: NetworkNodeStatus[], type: string): string {
  const named = entries.slice(0, NAMED_NODES).map((e) => {
    const c = conditionOf(e.conditions, type);
    const msg = c?.message && c.message.length > MESSAGE_PER_NODE ? `${c.message.slice(0, MESSAGE_PER_NODE - 3)}...` : c?.message;
    return `${e.node}: ${c ? `${c.reason}${msg ? ` (${msg})` : ''}` : 'no report'}`;
  });
  const more = entries.length > NAMED_NODES ? `; and ${entries.length - NAMED_NODES} more` : '';
  return named.join('; ') + more;
}
