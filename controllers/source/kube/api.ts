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

/** The HTTP status of a failed API call, or undefined for transport errors. */
export function apiCode(err: unknown): number | undefined {
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
    try {
      const base = { group: GROUP, version: VERSION, plural: PLURALS[kind], name };
      return (await (namespace
        ? this.custom.getNamespacedCustomObject({ ...base, namespace })
        : this.custom.getClusterCustomObject(base))) as KubeObject;
    } catch (err) {
      if (apiCode(err) === 404) return undefined;
      throw new Error(`get ${kind} ${namespace ? `${namespace}/` : ''}${name}`, { cause: err });
    }
  }

  /** Every object of kind (all namespaces), optionally field-selected. */
  async list(kind: Kind, opts: { fieldSelector?: string } = {}): Promise<ObjectList<KubeObject>> {
    try {
      return (await this.custom.listClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURALS[kind],
        ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
      })) as ObjectList<KubeObject>;
    } catch (err) {
      throw new Error(`list ${PLURALS[kind]}${opts.fieldSelector ? ` (${opts.fieldSelector})` : ''}`, { cause: err });
    }
  }

  /** PUT of the status subresource; the object's resourceVersion makes it conditional (409 when stale). */
  async replaceStatus(kind: Kind, obj: KubeObject): Promise<KubeObject> {
    const { name, namespace } = obj.metadata;
    const base = { group: GROUP, version: VERSION, plural: PLURALS[kind], name, body: obj, fieldManager: FIELD_MANAGER };
    return (await (namespace
      ? this.custom.replaceNamespacedCustomObjectStatus({ ...base, namespace })
      : this.custom.replaceClusterCustomObjectStatus(base))) as KubeObject;
  }

  /** JSON merge patch of the main resource (metadata only: finalizers, with a resourceVersion precondition). */
  async mergePatch(kind: Kind, ref: { name: string; namespace?: string }, body: unknown): Promise<KubeObject> {
    const base = { group: GROUP, version: VERSION, plural: PLURALS[kind], name: ref.name, body, fieldManager: FIELD_MANAGER };
    return (await (ref.namespace
      ? this.custom.patchNamespacedCustomObject({ ...base, namespace: ref.namespace }, MERGE())
      : this.custom.patchClusterCustomObject(base, MERGE()))) as KubeObject;
  }

  async listNodes(opts: { fieldSelector?: string } = {}): Promise<ObjectList<NodeObject>> {
    try {
      return (await this.core.listNode(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {})) as unknown as ObjectList<NodeObject>;
    } catch (err) {
      throw new Error('list nodes', { cause: err });
    }
  }

  async createEvent(namespace: string, body: CoreV1Event): Promise<void> {
    await this.core.createNamespacedEvent({ namespace, body });
  }

  async patchEvent(namespace: string, name: string, body: unknown): Promise<void> {
    await this.core.patchNamespacedEvent({ namespace, name, body }, MERGE());
  }
}
