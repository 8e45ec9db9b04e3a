// The nodenet.io kinds as the API serves them: plurals, paths, store keys, and the slice of a
// custom resource the agent reads.
import { GROUP, VERSION, type Kind } from '../../../api/v1alpha1/types.js';
import { makeKey, parseKey } from '../../store/keys.js';

export const PLURALS: Record<Kind, string> = { Network: 'networks', Sandbox: 'sandboxes', Attachment: 'attachments' };

export interface KubeMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

/** A nodenet custom resource as it comes from the API (spec not yet validated). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMeta;
  spec?: unknown;
  status?: Record<string, unknown>;
}

export interface NodeObject {
  metadata: KubeMeta;
}

export function isNamespaced(kind: Kind): boolean {
  return kind !== 'Network';
}

/** Collection path across all namespaces (the agent's informers and lists). */
export function collectionPath(kind: Kind): string {
  return `/apis/${GROUP}/${VERSION}/${PLURALS[kind]}`;
}

export function keyOfObject(kind: Kind, o: { metadata: { name?: string; namespace?: string } }): string {
  return makeKey(kind, o.metadata.name ?? '', isNamespaced(kind) ? o.metadata.namespace : undefined);
}

/** Kind, namespace and name of a store key, for API calls. */
export function refOf(key: string): { kind: Kind; namespace?: string; name: string } {
  return parseKey(key);
}

/** Timestamps arrive as strings over raw JSON and as Dates from client-node's typed APIs. */
export function timeText(t: string | Date | undefined): string | undefined {
  if (t === undefined || t === null) return undefined;
  return t instanceof Date ? t.toISOString() : String(t);
}

export function isDeleting(o: KubeObject): boolean {
  return Boolean(o.metadata.deletionTimestamp);
}
