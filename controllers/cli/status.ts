// `nodenet status`: every object the agent reports on, Ready or not and why, with its addresses
// and ports. With --dir it also lists invalid declarations and objects the agent has not reached.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Condition } from '../../api/v1alpha1/types.js';
import { readStatusFiles, problemsPath } from '../status/file-sink.js';
import { readAgentHealth } from '../state/health.js';
import { agentHealthLines } from './status-agent.js';
import type { StatusRecord } from '../status/record.js';
import { keyOfRecord } from '../status/store.js';
import { DesiredStore } from '../store/desired.js';
import { FileSource, isManifestFile } from '../source/file/source.js';
import { formatProblem, type ParseOptions } from '../source/file/parse.js';
import type { Problem } from '../source/file/source.js';
import { validateCrossObject } from '../../api/v1alpha1/validate.js';
import { COMMON_OPTIONS, DEFAULTS, absoluteDir, parse } from './options.js';
import { renderTable } from './table.js';
import { readNodeStatus } from '../hostcheck/node-status.js';
import { watchStatus } from './status-watch.js';
import { parseDuration } from './options.js';

export const STATUS_HELP = `Usage: nodenet status [--dir DIR] [--json] [--watch [--until-ready]] [--state-dir DIR]

Shows every object with its Ready condition, reason, addresses and ports, and the node's host checks.
  --dir DIR          also check the manifests in DIR: invalid files, objects not reconciled yet
  --json             machine-readable output
  --watch            redraw a compact progress view (counts per kind, what is not ready) as objects converge
  --interval DUR     --watch redraw period (default 1s)
  --until-ready      with --watch: exit 0 once everything is Ready (1 after --timeout)
  --timeout DUR      with --until-ready: give up after this long (default 0: never)
  --state-dir        (default ${DEFAULTS.stateDir})`;

export interface StatusRow {
  kind: string;
  name: string;
  ready: string;
  reason: string;
  details: string;
  message: string;
}

export async function statusCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...COMMON_OPTIONS,
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
    interval: { type: 'string', default: '1s' },
    'until-ready': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '0' },
  });
  if (values.help) {
    console.log(STATUS_HELP);
    return 0;
  }
  const stateDir = absoluteDir('state-dir', values['state-dir']);
  const records = readStatusFiles(stateDir);
  let problems: Problem[] = readProblems(stateDir);
  let declared: Map<string, string> | undefined;
  if (values.dir) {
    const loaded = loadDir(absoluteDir('dir', values.dir));
    problems = loaded.problems;
    declared = new Map(loaded.store.keys().map((k) => [k, loaded.store.get(k)!.specHash]));
  }
  if (values.watch) {
    return watchStatus({
      stateDir,
      intervalMs: Math.max(100, parseDuration('interval', values.interval)),
      untilReady: values['until-ready'],
      timeoutMs: parseDuration('timeout', values.timeout),
      ...(declared ? { declared: new Set(declared.keys()) } : {}),
      limit: 15,
      out: (t) => process.stdout.write(t),
      tty: process.stdout.isTTY === true,
    });
  }
  const rows = statusRows(records, declared);
  const nodes = readNodeStatus(stateDir);
  const agent = readAgentHealth(stateDir);
  if (values.json) {
    console.log(JSON.stringify({ objects: records, problems, nodes, ...(agent ? { agent } : {}) }, null, 2));
  } else {
    for (const line of agentHealthLines(agent)) console.log(line);
    for (const n of nodes) {
      const c = n.status.conditions.find((x) => x.type === 'HostCompatible');
      console.log(`Node ${n.name}: HostCompatible=${c?.status ?? 'Unknown'}${c?.reason ? ` (${c.reason})` : ''}`);
      for (const x of n.status.conflicts) console.log(`  conflict: ${x.message} [${x.decidedBy}]\n    fix: ${x.fix}`);
      console.log('');
    }
    console.log(rows.length ? renderTable(['KIND', 'NAME', 'READY', 'REASON', 'DETAILS', 'MESSAGE'], rows.map((r) => [r.kind, r.name, r.ready, r.reason, r.details, r.message]), [0, 40, 0, 0, 110, 0]) : 'No objects.');
    if (problems.length) {
      console.log(`\nInvalid declarations (${problems.length}):`);
      for (const p of problems) console.log('  ' + formatProblem(p).split('\n').join('\n  '));
    }
  }
  const notReady = rows.some((r) => r.ready !== 'True');
  return problems.length > 0 || notReady || (agent?.problems.length ?? 0) > 0 ? 1 : 0;
}

/** declared: key -> spec hash of the declared version, to spot reports of an older version. */
export function statusRows(records: readonly StatusRecord[], declared?: Map<string, string>): StatusRow[] {
  const byKey = new Map(records.map((r) => [keyOfRecord(r), r]));
  const rows: StatusRow[] = [];
  const keys = new Set([...byKey.keys(), ...(declared?.keys() ?? [])]);
  for (const key of [...keys].sort(kindOrder)) {
    const rec = byKey.get(key);
    const [kind, ...rest] = key.split('/');
    const name = rest.join('/');
    if (!rec) {
      rows.push({ kind: kind!, name, ready: 'Unknown', reason: 'Pending', details: '', message: 'not reconciled yet (is the agent running?)' });
      continue;
    }
    const conds = (rec.status.conditions ?? []) as Condition[];
    const ready = conds.find((c) => c.type === 'Ready');
    const degraded = conds.find((c) => c.type === 'Degraded' && c.status === 'True');
    const hash = declared?.get(key);
    const stale = hash !== undefined && rec.specHash !== undefined && hash !== rec.specHash;
    rows.push({
      kind: kind!,
      name,
      ready: ready?.status ?? 'Unknown',
      reason: stale ? 'Pending' : degraded && ready?.status === 'True' ? degraded.reason : (ready?.reason ?? ''),
      details: details(rec),
      message: stale ? 'a newer version is declared; not reconciled yet' : [ready?.message, degraded?.message].filter(Boolean).join('; '),
    });
  }
  return rows;
}

function details(rec: StatusRecord): string {
  const s = rec.status as Record<string, unknown>;
  const parts: string[] = [];
  if (rec.kind === 'Network') {
    if (s.bridge) parts.push(`bridge=${String(s.bridge)}`);
    if (Array.isArray(s.subnets)) parts.push(`subnet=${s.subnets.join(',')}`);
    if (s.allocated !== undefined) parts.push(`allocated=${String(s.allocated)}`);
    if (s.parent) parts.push(`parent=${String(s.parent)} mode=${String(s.mode)}`);
    const vx = s.vxlan as { vtep: string; slices: string[]; peers: unknown[] } | undefined;
    if (vx) parts.push(`vtep=${vx.vtep} slice=${vx.slices.join(',')} peers=${vx.peers.length}`);
  } else if (rec.kind === 'Sandbox') {
    if (s.netnsPath) parts.push(`netns=${String(s.netnsPath)}${s.adopted ? ' (adopted)' : ''}${s.hostNetwork ? ' (host network)' : ''}`);
  } else {
    if (s.hostNetwork) parts.push('host network: no interface of its own');
    if (s.loopbackOnly) parts.push('loopback only');
    for (const k of ['ipv4Address', 'ipv6Address', 'macAddress'] as const) if (s[k]) parts.push(String(s[k]));
    if (s.interface && s.hostInterface) parts.push(`${String(s.interface)}<->${String(s.hostInterface)}`);
    if (s.interface && s.parent) parts.push(`${String(s.interface)} on ${String(s.parent)}`);
    if (s.defaultRoute) parts.push('default-route');
    const ports = (s.ports ?? []) as { hostIP: string; hostPort: number; hostPortEnd?: number; containerPort: number; protocol: string }[];
    for (const p of ports) parts.push(`${p.hostIP}:${p.hostPort}${p.hostPortEnd && p.hostPortEnd !== p.hostPort ? `-${p.hostPortEnd}` : ''}->${p.containerPort}/${p.protocol}`);
  }
  return parts.join(' ');
}

function kindOrder(a: string, b: string): number {
  const rank = (k: string): number => (k.startsWith('Network/') ? 0 : k.startsWith('Sandbox/') ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}

function readProblems(stateDir: string): Problem[] {
  const p = problemsPath(stateDir);
  if (!existsSync(p)) return [];
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Problem[];
  } catch {
    return [];
  }
}

/** Parses and validates a manifests directory without touching anything. */
export function loadDir(dir: string, parseOpts: ParseOptions = {}): { store: DesiredStore; problems: Problem[]; source: FileSource } {
  // File mode: one node, whatever spec.nodeName says.
  const store = new DesiredStore((objs) => validateCrossObject(objs, { ignoreNodeName: true }));
  const source = new FileSource({ dir, parse: parseOpts });
  source.loadOnce(store, listManifests(dir));
  const conflicts = store.keys().flatMap((k) => store.conflictsOf(k).map((e) => conflictProblem(store, k, e)));
  return { store, problems: [...source.problems(), ...conflicts], source };
}

function conflictProblem(store: DesiredStore, key: string, e: { path: string; message: string }): Problem {
  const o = store.get(key)!;
  return { origin: o.origin, kind: o.object.kind, ...(o.object.metadata.namespace ? { namespace: o.object.metadata.namespace } : {}), name: o.object.metadata.name, errors: [e] };
}

export function listManifests(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    if (e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listManifests(p));
    else if (isManifestFile(p)) out.push(p);
  }
  return out.sort();
}
