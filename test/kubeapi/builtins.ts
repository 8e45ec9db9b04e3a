// The built-in resources the server serves besides CRDs: core v1 Nodes, Namespaces and Events,
// events.k8s.io/v1 Events, coordination.k8s.io/v1 Leases, and the CRD resource itself. Flags
// mirror each kind's registry strategy in kube-apiserver (unconditional update, create on update,
// what DELETE returns, name rules, selectable fields, strategic-merge keys, table columns).
import { getPath } from './json.js';
import type { KObject, PrinterColumn, ResourceDef } from './types.js';

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };
const nameCol: PrinterColumn = { name: 'Name', type: 'string', format: 'name', jsonPath: '.metadata.name', description: 'Name must be unique within a namespace.' };

const str = (o: KObject, path: string): string => {
  const v = getPath(o, path);
  return v === undefined || v === null ? '' : String(v);
};

function base(p: Partial<ResourceDef> & Pick<ResourceDef, 'group' | 'plural' | 'singular' | 'kind' | 'namespaced'>): ResourceDef {
  return {
    listKind: `${p.kind}List`,
    shortNames: [],
    categories: [],
    versions: [{ name: 'v1', storage: true, selectableFields: [], statusSubresource: false }],
    custom: false,
    generation: false,
    allowUnconditionalUpdate: true,
    allowCreateOnUpdate: false,
    returnDeletedObject: false,
    nameRule: 'subdomain',
    ...p,
  };
}

function nodeReady(o: KObject): string {
  const conds = getPath(o, 'status.conditions');
  const ready = Array.isArray(conds) ? conds.find((c) => (c as { type?: string }).type === 'Ready') as { status?: string } | undefined : undefined;
  const s = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  return getPath(o, 'spec.unschedulable') === true ? `${s},SchedulingDisabled` : s;
}

function nodeRoles(o: KObject): string {
  const roles = Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length));
  return roles.length ? roles.sort().join(',') : '<none>';
}

const eventFields: Record<string, (o: KObject) => string> = {
  'involvedObject.kind': (o) => str(o, 'involvedObject.kind'),
  'involvedObject.namespace': (o) => str(o, 'involvedObject.namespace'),
  'involvedObject.name': (o) => str(o, 'involvedObject.name'),
  'involvedObject.uid': (o) => str(o, 'involvedObject.uid'),
  'involvedObject.apiVersion': (o) => str(o, 'involvedObject.apiVersion'),
  'involvedObject.resourceVersion': (o) => str(o, 'involvedObject.resourceVersion'),
  'involvedObject.fieldPath': (o) => str(o, 'involvedObject.fieldPath'),
  reason: (o) => str(o, 'reason'),
  reportingComponent: (o) => str(o, 'reportingComponent'),
  source: (o) => str(o, 'source.component'),
  type: (o) => str(o, 'type'),
};

export function builtinResources(): ResourceDef[] {
  return [
    base({
      group: '', plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'],
      versions: [{ name: 'v1', storage: true, selectableFields: [], statusSubresource: true }],
      fieldGetters: { 'spec.unschedulable': (o) => String(getPath(o, 'spec.unschedulable') === true) },
      mergeKeys: { 'status.conditions': 'type', 'status.addresses': 'type', 'metadata.ownerReferences': 'uid' },
      table: {
        columns: [nameCol, { name: 'Status', type: 'string', jsonPath: '' }, { name: 'Roles', type: 'string', jsonPath: '' }, age, { name: 'Version', type: 'string', jsonPath: '' }],
        cells: (o) => [o.metadata.name, nodeReady(o), nodeRoles(o), o.metadata.creationTimestamp, str(o, 'status.nodeInfo.kubeletVersion')],
      },
    }),
    base({
      group: '', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], nameRule: 'label',
      versions: [{ name: 'v1', storage: true, selectableFields: [], statusSubresource: true }],
      fieldGetters: { 'status.phase': (o) => str(o, 'status.phase') },
      mergeKeys: { 'status.conditions': 'type', 'metadata.ownerReferences': 'uid' },
      prepareCreate: (o) => {
        o['status'] = { phase: 'Active' };
        o['spec'] = { finalizers: ['kubernetes'] };
        o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name ?? '' };
      },
      table: {
        columns: [nameCol, { name: 'Status', type: 'string', jsonPath: '.status.phase' }, age],
        cells: (o) => [o.metadata.name, str(o, 'status.phase'), o.metadata.creationTimestamp],
      },
    }),
    base({
      group: '', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'], nameRule: 'segment', allowCreateOnUpdate: true,
      fieldGetters: eventFields,
      mergeKeys: { 'metadata.ownerReferences': 'uid' },
      table: {
        columns: [
          { name: 'Last Seen', type: 'string', jsonPath: '' }, { name: 'Type', type: 'string', jsonPath: '.type' }, { name: 'Reason', type: 'string', jsonPath: '.reason' },
          { name: 'Object', type: 'string', jsonPath: '' }, { name: 'Message', type: 'string', jsonPath: '.message' },
        ],
        cells: (o) => [
          str(o, 'lastTimestamp') || str(o, 'eventTime') || o.metadata.creationTimestamp, str(o, 'type'), str(o, 'reason'),
          `${str(o, 'involvedObject.kind').toLowerCase()}/${str(o, 'involvedObject.name')}`, str(o, 'message'),
        ],
      },
    }),
    base({
      group: 'events.k8s.io', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'], nameRule: 'segment', allowCreateOnUpdate: true,
      fieldGetters: {
        'regarding.kind': (o) => str(o, 'regarding.kind'), 'regarding.name': (o) => str(o, 'regarding.name'),
        'regarding.namespace': (o) => str(o, 'regarding.namespace'), reason: (o) => str(o, 'reason'), type: (o) => str(o, 'type'),
      },
    }),
    base({
      group: 'coordination.k8s.io', plural: 'leases', singular: 'lease', kind: 'Lease', namespaced: true, allowCreateOnUpdate: true,
      table: {
        columns: [nameCol, { name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' }, age],
        cells: (o) => [o.metadata.name, str(o, 'spec.holderIdentity'), o.metadata.creationTimestamp],
      },
    }),
    base({
      group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions', singular: 'customresourcedefinition', kind: 'CustomResourceDefinition',
      namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], generation: true, allowUnconditionalUpdate: false,
      versions: [{ name: 'v1', storage: true, selectableFields: [], statusSubresource: true }],
      table: { columns: [nameCol, { name: 'Created At', type: 'string', jsonPath: '.metadata.creationTimestamp' }], cells: (o) => [o.metadata.name, o.metadata.creationTimestamp] },
    }),
  ];
}
