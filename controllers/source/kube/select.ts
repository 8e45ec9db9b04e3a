// What this node makes of the cluster's objects (pure): which ones it realizes, which need its
// finalizer first, which it reports as invalid or not allowed, and which it must let go of.
//
// Scope: Sandboxes arrive field-selected by spec.nodeName; Attachments are this node's when their
// Sandbox (same namespace) is, which no selector can express (there is no server-side join), so
// they are filtered here; Networks are this node's when spec.nodeSelector matches the node's labels.
import { validateResource, validateUpdate, type ValidateOptions } from '../../../api/v1alpha1/validate.js';
import { API_VERSION, type FieldError, type Kind, type Resource } from '../../../api/v1alpha1/types.js';
import type { DesiredObject } from '../../store/desired.js';
import { makeKey } from '../../store/keys.js';
import { specHash } from '../file/spec-hash.js';
import { hasFinalizer, isNodeFinalizer } from './finalizers.js';
import { isDeleting, keyOfObject, timeText, type KubeObject } from './resources.js';
import type { Admission } from './tenancy.js';

export interface ViewInput {
  node: string;
  nodeLabels: Readonly<Record<string, string>>;
  finalizer: string;
  networks: readonly KubeObject[];
  sandboxes: readonly KubeObject[];
  attachments: readonly KubeObject[];
  validate?: ValidateOptions;
  /** The store's version of a key (the last valid one this agent accepted). */
  current(key: string): DesiredObject | undefined;
  admit(network: KubeObject, namespace: string): Admission;
}

/** InvalidSpec, or the tenancy check's reason (NamespaceNotAllowed). */
export type ProblemReason = string;

export interface ViewEntry {
  key: string;
  kind: Kind;
  raw: KubeObject;
}

export interface Problem {
  entry: ViewEntry;
  reason: ProblemReason;
  message: string;
}

export interface View {
  /** What the desired store must hold. */
  desired: Map<string, DesiredObject>;
  /** Alive objects meant for this node, valid or not. */
  mine: Set<string>;
  /** Objects this node reports itself because they never reach the store. */
  problems: Map<string, Problem>;
  /** A newer invalid version while the last valid one stays in effect (Degraded InvalidSpec). */
  degraded: Map<string, string>;
  /** Valid objects for this node without its finalizer: the finalizer goes on before the kernel work. */
  needFinalizer: ViewEntry[];
  /** Objects carrying this node's finalizer that it must let go of (deleted, or not its any more). */
  release: ViewEntry[];
  /** Deleting objects that carry other nodes' finalizers (their nodes may be gone). */
  foreignFinalizers: ViewEntry[];
  raw: Map<string, ViewEntry>;
}

export function selectsNode(nodeSelector: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (nodeSelector === undefined || nodeSelector === null || typeof nodeSelector !== 'object') return true;
  return Object.entries(nodeSelector as Record<string, unknown>).every(([k, v]) => labels[k] === v);
}

export function computeView(input: ViewInput): View {
  const view: View = {
    desired: new Map(),
    mine: new Set(),
    problems: new Map(),
    degraded: new Map(),
    needFinalizer: [],
    release: [],
    foreignFinalizers: [],
    raw: new Map(),
  };
  const mySandboxes = new Set(
    input.sandboxes.filter((s) => specOf(s).nodeName === input.node).map((s) => keyOfObject('Sandbox', s)),
  );
  const networks = new Map(input.networks.map((n) => [n.metadata.name, n]));
  const isMine: Record<Kind, (o: KubeObject) => boolean> = {
    Network: (o) => selectsNode(specOf(o).nodeSelector, input.nodeLabels),
    Sandbox: (o) => specOf(o).nodeName === input.node,
    Attachment: (o) => mySandboxes.has(makeKey('Sandbox', String(specOf(o).sandbox ?? ''), o.metadata.namespace)),
  };
  const all: [Kind, readonly KubeObject[]][] = [
    ['Network', input.networks],
    ['Sandbox', input.sandboxes],
    ['Attachment', input.attachments],
  ];
  for (const [kind, objects] of all) {
    for (const raw of objects) {
      const entry: ViewEntry = { key: keyOfObject(kind, raw), kind, raw };
      view.raw.set(entry.key, entry);
      classify(input, view, entry, isMine[kind](raw), networks);
    }
  }
  return view;
}

function classify(input: ViewInput, view: View, entry: ViewEntry, mine: boolean, networks: Map<string, KubeObject>): void {
  const { raw, key } = entry;
  const carries = hasFinalizer(raw, input.finalizer);
  if (isDeleting(raw) && (raw.metadata.finalizers ?? []).some((f) => isNodeFinalizer(f) && f !== input.finalizer)) {
    view.foreignFinalizers.push(entry);
  }
  if (!mine || isDeleting(raw)) {
    if (carries) view.release.push(entry);
    return;
  }
  view.mine.add(key);
  const prev = input.current(key);
  const samePrev = prev !== undefined && prev.object.metadata.uid === raw.metadata.uid;
  const checked = validateResource(cleanObject(entry.kind, raw), input.validate);
  const errors: FieldError[] = checked.errors.length ? checked.errors : samePrev ? validateUpdate(prev.object, checked.object!) : [];
  if (errors.length) {
    const text = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    // Like file mode: an invalid edit leaves the last valid version in effect.
    if (samePrev) {
      view.desired.set(key, prev);
      view.degraded.set(key, text);
    } else {
      view.problems.set(key, { entry, reason: 'InvalidSpec', message: text });
    }
    return;
  }
  const object = checked.object!;
  if (object.kind === 'Attachment') {
    const net = networks.get(object.spec.network);
    const admission = net ? input.admit(net, object.metadata.namespace ?? 'default') : { allowed: true as const };
    if (!admission.allowed) {
      view.problems.set(key, { entry, reason: admission.reason, message: admission.message });
      return;
    }
  }
  // Realized objects keep going while their finalizer is put back (someone removed it).
  if (carries || samePrev) view.desired.set(key, desiredOf(key, object));
  if (!carries) view.needFinalizer.push(entry);
}

function specOf(o: KubeObject): Record<string, unknown> {
  return o.spec && typeof o.spec === 'object' ? (o.spec as Record<string, unknown>) : {};
}

/** The object as validation and the engine see it: no status, only the metadata the engine reads (no annotations: last-applied-configuration is noise). */
export function cleanObject(kind: Kind, raw: KubeObject): Record<string, unknown> {
  const m = raw.metadata;
  const created = timeText(m.creationTimestamp);
  const metadata: Record<string, unknown> = {
    name: m.name,
    ...(kind !== 'Network' && m.namespace ? { namespace: m.namespace } : {}),
    ...(m.labels ? { labels: m.labels } : {}),
    ...(m.uid ? { uid: m.uid } : {}),
    ...(m.generation !== undefined ? { generation: m.generation } : {}),
    ...(created ? { creationTimestamp: created } : {}),
  };
  return { apiVersion: API_VERSION, kind, metadata, spec: raw.spec ?? {} };
}

function desiredOf(key: string, object: Resource): DesiredObject {
  return { key, object, origin: { source: 'kube' }, specHash: specHash(object.spec) };
}
