// What every operation needs: storage, served resources, watch hub, the test's hooks, and options.
import { randomBytes } from 'node:crypto';
import type { Unevaluated } from '../cel/rules.js';
import type { Registry } from '../registry.js';
import type { Store } from '../store.js';
import type { WatchHub } from '../watch.js';
import { resourceKey, type KObject, type ResourceDef, type VersionDef } from '../types.js';

export interface Caller {
  user: string;
  groups: string[];
}

/** What a request addresses once the URL is resolved. */
export interface Target {
  def: ResourceDef;
  version: VersionDef;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  user: string;
  groups: string[];
  operation: Operation;
  /** The HTTP-level verb: create, update, patch, delete, deletecollection. */
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name: string;
  object?: KObject;
  oldObject?: KObject;
  dryRun: boolean;
}

/** A denial: 403 Forbidden by default (ValidatingAdmissionPolicy's Deny), or another code such as 422. */
export interface AdmissionDenial {
  allowed: false;
  message: string;
  code?: number;
  reason?: string;
}

export type AdmissionHook = (req: AdmissionRequest) => AdmissionDenial | undefined | void | Promise<AdmissionDenial | undefined | void>;

export interface AuthorizeRequest {
  user: string;
  groups: string[];
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** Return true to allow, false or a reason string to deny with 403 (RBAC-like). */
export type Authorizer = (req: AuthorizeRequest) => boolean | string;

export interface WriteOptions {
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  force: boolean;
  userAgent: string;
}

export interface Result {
  code: number;
  body: unknown;
  warnings?: string[];
}

export interface Ctx {
  store: Store;
  registry: Registry;
  hub: WatchHub;
  admission: AdmissionHook[];
  authorizers: Authorizer[];
  unevaluated: Unevaluated[];
  managedFields: boolean;
  strategicMergeOnCustomResources: 'reject' | 'merge';
  /** Serializes writes so a read-check-write sequence is atomic even across awaited hooks. */
  lock: <T>(fn: () => Promise<T>) => Promise<T>;
}

export const resKey = (def: ResourceDef): string => resourceKey(def.group, def.plural);

/** RFC 3339 in seconds, like metav1.Time. */
export function nowTime(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function generatedName(prefix: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  return prefix + [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

/** The manager name the apiserver derives when fieldManager is absent: the user agent's first token. */
export function managerOf(o: WriteOptions): string {
  return o.fieldManager ?? (o.userAgent.split('/')[0] || 'unknown');
}
