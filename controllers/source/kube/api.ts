// The API calls the agent makes, on top of @kubernetes/client-node: reads, status updates,
// metadata merge patches (finalizers), nodes and events. One place knows client-node's
// signatures and error shape; everything else speaks KubeObject and HTTP codes.
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
} from '@kubernetes/client-node';
import { GROUP, VERSION, type Kind } from '../../../api/v1alpha1/types.js';
import { PLURALS, type KubeObject, type NodeObject } from './resources.js';

export const FIELD_MANAGER = 'nodenet-agent';

export interface ObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/** A failed API call: what was tried, the HTTP code and the server's Status message. */
export class KubeApiError extends Error {
  constructor(
    what: string,
    readonly code: number | undefined,
    detail: string,
  ) {
    super(`${what}: ${detail}`);
    this.name = 'KubeApiError';
  }
}

/** Runs one call; client-node's errors (whose messages carry every header) become KubeApiErrors. */
async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new KubeApiError(what, apiCode(err), apiErrorText(err));
  }
}

/** The HTTP status of a failed API call, or undefined for transport errors. */
export function apiCode(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.code;
  if (err instanceof ApiException) return err.code;
  const c = (err as { code?: unknown; statusCode?: unknown } | undefined)?.statusCode ?? (err as { code?: unknown } | undefined)?.code;
  return typeof c === 'number' ? c : undefined;
}

/** A short text of an API error (the Status message when there is one). */
export function apiErrorText(err: unknown): string {
  if (err instanceof ApiException) {
    const body = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const msg = (body as { message?: unknown } | undefined)?.message;
    return `HTTP ${err.code}${typeof msg === 'string' ? `: ${msg}` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

const MERGE = (): ReturnType<typeof setHeaderOptions> => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class KubeApi {
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;

  constructor(readonly kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** The object, or undefined when it does not exist. */
  async get(kind: Kind, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const base = { group: GROUP, version: VERSION, plural: PLURALS[kind], name };
    try {
      return (await call(`get ${kind} ${namespace ? `${namespace}/` : ''}${name}`, () =>
        namespace ? this.custom.getNamespacedCustomObject({ ...base, namespace }) : this.custom.getClusterCustomObject(base),
      )) as KubeObject;
    } catch (err) {
      if (apiCode(err) === 404) return undefined;
      throw err;
    }
  }

  /** Every object of kind (all namespaces), optionally field-selected. */
  async list(kind: Kind, opts: { fieldSelector?: string } = {}): Promise<ObjectList<KubeObject>> {
    const what = `list ${PLURALS[kind]}${opts.fieldSelector ? ` (${opts.fieldSelector})` : ''}`;
    return (await call(what, () =>
      this.custom.listClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURALS[kind],
        ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
      }),
    )) as ObjectList<KubeObject>;
  }

  /** PUT of the status subresource; the object's resourceVersion makes it conditional (409 when stale). */
  async replaceStatus(kind: Kind, obj: KubeObject): Promise<KubeObject> {
    const { name, namespace } = obj.metadata;
    const base = { group: GROUP, version: VERSION, plural: PLURALS[kind], name, body: obj, fieldManager: FIELD_MANAGER };
    return (await call(`update status of ${kind} ${namespace ? `${namespace}/` : ''}${name}`, () =>
      namespace ? this.custom.replaceNamespacedCustomObjectStatus({ ...base, namespace }) : this.custom.replaceClusterCustomObjectStatus(base),
    )) as KubeObject;
  }

  /** JSON merge patch of the main resource (metadata only: finalizers, with a resourceVersion precondition). */
  async mergePatch(kind: Kind, ref: { name: string; namespace?: string }, body: unknown): Promise<KubeObject> {
    const base = { group: GROUP, version: VERSION, plural: PLURALS[kind], name: ref.name, body, fieldManager: FIELD_MANAGER };
    return (await call(`patch ${kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`, () =>
      ref.namespace ? this.custom.patchNamespacedCustomObject({ ...base, namespace: ref.namespace }, MERGE()) : this.custom.patchClusterCustomObject(base, MERGE()),
    )) as KubeObject;
  }

  async listNodes(opts: { fieldSelector?: string } = {}): Promise<ObjectList<NodeObject>> {
    return (await call('list nodes', () => this.core.listNode(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}))) as unknown as ObjectList<NodeObject>;
  }

  async createEvent(namespace: string, body: CoreV1Event): Promise<void> {
    await call(`create event in ${namespace}`, () => this.core.createNamespacedEvent({ namespace, body }));
  }

  async patchEvent(namespace: string, name: string, body: unknown): Promise<void> {
    await call(`patch event ${namespace}/${name}`, () => this.core.patchNamespacedEvent({ namespace, name, body }, MERGE()));
  }
}
