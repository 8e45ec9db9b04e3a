// The node's own report in file mode: <stateDir>/status/Node/<node>.json, beside the objects'
// status (the object status reader skips that folder). One condition, HostCompatible, with
// every host conflict and its fix, and what the node as a whole owns (our table's shared parts,
// the iptables compat chain).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Condition } from '../../api/v1alpha1/types.js';
import { setConditions } from '../status/conditions.js';
import { statusDir } from '../status/file-sink.js';
import type { OwnedObjects } from '../ownership/types.js';
import type { Conflict, HostCheckResult } from './conflicts.js';

export const NODE_KIND = 'Node';
export const HOST_CONDITION = 'HostCompatible';

export interface NodeStatus {
  kind: typeof NODE_KIND;
  name: string;
  status: {
    conditions: Condition[];
    conflicts: Conflict[];
    /** Forward chains a representative packet could not be decided in. */
    undecided?: string[];
    owned?: OwnedObjects;
  };
  updatedAt: string;
}

/** Node names become a file name: a DNS-1123 subdomain only. */
export function validNodeName(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name);
}

export function nodeStatusDir(stateDir: string): string {
  return join(statusDir(stateDir), NODE_KIND);
}

export function nodeStatusPath(stateDir: string, node: string): string {
  if (!validNodeName(node)) throw new Error(`node name ${JSON.stringify(node)} is not a DNS-1123 subdomain`);
  return join(nodeStatusDir(stateDir), `${node}.json`);
}

export function readNodeStatus(stateDir: string): NodeStatus[] {
  let files: string[];
  try {
    files = readdirSync(nodeStatusDir(stateDir)).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
  } catch {
    return [];
  }
  const out: NodeStatus[] = [];
  for (const f of files.sort()) {
    try {
      out.push(JSON.parse(readFileSync(join(nodeStatusDir(stateDir), f), 'utf8')) as NodeStatus);
    } catch {
      // torn: the agent rewrites it on its next check
    }
  }
  return out;
}

/** The next report: the condition moves its lastTransitionTime only when it flips. */
export function nextNodeStatus(opts: { prev: NodeStatus | undefined; node: string; result: HostCheckResult; owned: OwnedObjects | undefined; now: string }): NodeStatus {
  const { prev, result } = opts;
  const first = result.conflicts[0];
  const message = result.conflicts.map((c) => `${c.message} (${c.decidedBy}); fix: ${c.fix}`).join(' | ');
  const conditions = setConditions({
    prev: prev?.status.conditions,
    next: [
      first
        ? { type: HOST_CONDITION, status: 'False', reason: first.reason, message }
        : { type: HOST_CONDITION, status: 'True', reason: 'NoConflicts', message: '' },
    ],
    managed: [HOST_CONDITION],
    generation: undefined,
    now: opts.now,
  });
  return {
    kind: NODE_KIND,
    name: opts.node,
    status: {
      conditions,
      conflicts: result.conflicts,
      ...(result.undecided.length ? { undecided: result.undecided } : {}),
      ...(opts.owned ? { owned: opts.owned } : {}),
    },
    updatedAt: opts.now,
  };
}
