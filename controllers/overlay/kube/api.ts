// The API calls on OverlayMember objects (cluster-scoped custom resources): list, create, replace
// (a VTEP that changed, with the resourceVersion as precondition) and delete (with uid and
// resourceVersion preconditions, so a claim re-created in between is never removed by mistake).
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { OVERLAY_MEMBER_PLURAL, type OverlayMemberObject } from '../../../api/v1alpha1/overlay-member.js';
import { GROUP, VERSION } from '../../../api/v1alpha1/types.js';
import { apiCode, apiErrorText, FIELD_MANAGER, KubeApiError } from '../../source/kube/api.js';

export const OVERLAY_MEMBERS_PATH = `/apis/${GROUP}/${VERSION}/${OVERLAY_MEMBER_PLURAL}`;

const BASE = { group: GROUP, version: VERSION, plural: OVERLAY_MEMBER_PLURAL };

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new KubeApiError(what, apiCode(err), apiErrorText(err));
  }
}

export interface MemberList {
  items: OverlayMemberObject[];
  metadata?: { resourceVersion?: string };
}

export class OverlayMemberApi {
  constructor(private readonly custom: CustomObjectsApi) {}

  /** Every claim, or one network's (field selector spec.network, a selectable field of the CRD). */
  async list(network?: string): Promise<MemberList> {
    const fieldSelector = network === undefined ? undefined : `spec.network=${network}`;
    return (await call(`list ${OVERLAY_MEMBER_PLURAL}${fieldSelector ? ` (${fieldSelector})` : ''}`, () =>
      this.custom.listClusterCustomObject({ ...BASE, ...(fieldSelector ? { fieldSelector } : {}) }),
    )) as MemberList;
  }

  /** Creates the claim; false when an object of that name exists (the slice is taken). */
  async create(obj: OverlayMemberObject): Promise<boolean> {
    try {
      await call(`create OverlayMember ${obj.metadata.name}`, () => this.custom.createClusterCustomObject({ ...BASE, body: obj, fieldManager: FIELD_MANAGER }));
      return true;
    } catch (err) {
      if (apiCode(err) === 409) return false;
      throw err;
    }
  }

  /** PUT carrying obj's resourceVersion; false when it changed or vanished in between. */
  async replace(obj: OverlayMemberObject): Promise<boolean> {
    try {
      await call(`update OverlayMember ${obj.metadata.name}`, () =>
        this.custom.replaceClusterCustomObject({ ...BASE, name: obj.metadata.name, body: obj, fieldManager: FIELD_MANAGER }),
      );
      return true;
    } catch (err) {
      if (apiCode(err) === 409 || apiCode(err) === 404) return false;
      throw err;
    }
  }

  /** Deletes exactly the object seen (uid and resourceVersion preconditions); false when it is gone or changed. */
  async remove(obj: OverlayMemberObject): Promise<boolean> {
    const preconditions = { ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}), ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}) };
    try {
      await call(`delete OverlayMember ${obj.metadata.name}`, () =>
        this.custom.deleteClusterCustomObject({ ...BASE, name: obj.metadata.name, body: { preconditions } }),
      );
      return true;
    } catch (err) {
      if (apiCode(err) === 404 || apiCode(err) === 409) return false;
      throw err;
    }
  }
}
