// CustomResourceDefinitions generated from the same schema objects file mode validates with.
import { stringify } from 'yaml';
import { GROUP, VERSION, type Kind } from './types.js';
import { resourceSchema, type Schema } from './schema.js';
import { OVERLAY_MEMBER_KIND, OVERLAY_MEMBER_PLURAL, overlayMemberSchema } from './overlay-member.js';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean';
  jsonPath: string;
  description: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    scope: 'Cluster' | 'Namespaced';
    names: { kind: Kind | typeof OVERLAY_MEMBER_KIND; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      selectableFields?: { jsonPath: string }[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

const READY: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Whether the kernel matches the spec.',
};
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' };

interface KindInfo {
  plural: string;
  shortName: string;
  scope: 'Cluster' | 'Namespaced';
  columns: PrinterColumn[];
  /** Fields a client may use in a field selector (Kubernetes >= 1.31): agents watch only their node's sandboxes. */
  selectable?: string[];
}

const KINDS: Record<Kind, KindInfo> = {
  Network: {
    plural: 'networks',
    shortName: 'nnet',
    scope: 'Cluster',
    columns: [
      { name: 'Driver', type: 'string', jsonPath: '.spec.driver', description: 'Network driver (empty: bridge).' },
      { name: 'Subnet', type: 'string', jsonPath: '.spec.ipam.ipv4.subnet', description: 'IPv4 subnet.' },
      READY,
      AGE,
      { name: 'Nodes', type: 'integer', jsonPath: '.status.nodeCount', description: 'Nodes that report this network.', priority: 1 },
      { name: 'Ready-Nodes', type: 'integer', jsonPath: '.status.readyNodes', description: 'Reporting nodes where it is Ready.', priority: 1 },
      { name: 'Bridge', type: 'string', jsonPath: '.status.nodes[0].bridge', description: 'Bridge device (the same on every node).', priority: 1 },
      { name: 'Subnet6', type: 'string', jsonPath: '.spec.ipam.ipv6.subnet', description: 'IPv6 subnet.', priority: 1 },
    ],
  },
  Sandbox: {
    plural: 'sandboxes',
    shortName: 'nsbx',
    scope: 'Namespaced',
    columns: [
      { name: 'Node', type: 'string', jsonPath: '.spec.nodeName', description: 'Node that realizes the sandbox.' },
      { name: 'Netns', type: 'string', jsonPath: '.status.netnsPath', description: 'Network namespace path.' },
      READY,
      AGE,
    ],
    selectable: ['.spec.nodeName'],
  },
  Attachment: {
    plural: 'attachments',
    shortName: 'natt',
    scope: 'Namespaced',
    columns: [
      { name: 'Network', type: 'string', jsonPath: '.spec.network', description: 'Network joined.' },
      { name: 'Sandbox', type: 'string', jsonPath: '.spec.sandbox', description: 'Sandbox attached.' },
      { name: 'IP', type: 'string', jsonPath: '.status.ipv4Address', description: 'IPv4 address with prefix.' },
      READY,
      AGE,
      { name: 'MAC', type: 'string', jsonPath: '.status.macAddress', description: 'MAC address.', priority: 1 },
      { name: 'Host-If', type: 'string', jsonPath: '.status.hostInterface', description: 'Host side of the veth.', priority: 1 },
    ],
  },
};

export function generateCrd(kind: Kind): CustomResourceDefinition {
  const k = KINDS[kind];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'nodenet' } },
    spec: {
      group: GROUP,
      scope: k.scope,
      names: {
        kind,
        listKind: `${kind}List`,
        plural: k.plural,
        singular: kind.toLowerCase(),
        shortNames: [k.shortName],
        categories: ['nodenet'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: k.columns,
          ...(k.selectable ? { selectableFields: k.selectable.map((jsonPath) => ({ jsonPath })) } : {}),
          schema: { openAPIV3Schema: resourceSchema(kind, 'crd') },
        },
      ],
    },
  };
}

/** Kube mode's overlay claims (overlay-member.ts): no status, selectable by network and node. */
export function generateOverlayMemberCrd(): CustomResourceDefinition {
  const col = (name: string, type: PrinterColumn['type'], jsonPath: string, description: string): PrinterColumn => ({ name, type, jsonPath, description });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${OVERLAY_MEMBER_PLURAL}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'nodenet' } },
    spec: {
      group: GROUP,
      scope: 'Cluster',
      names: {
        kind: OVERLAY_MEMBER_KIND,
        listKind: `${OVERLAY_MEMBER_KIND}List`,
        plural: OVERLAY_MEMBER_PLURAL,
        singular: OVERLAY_MEMBER_KIND.toLowerCase(),
        shortNames: ['nom'],
        categories: ['nodenet'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          additionalPrinterColumns: [
            col('Network', 'string', '.spec.network', 'The vxlan Network.'),
            col('Node', 'string', '.spec.node', 'The node holding the slice.'),
            col('VTEP', 'string', '.spec.vtep', "The node's underlay address."),
            col('Slice', 'string', '.spec.subnets[0]', 'The slice of the first subnet.'),
            AGE,
          ],
          // Agents list one network's claims (spec.network=<name>); people look up a node's.
          selectableFields: [{ jsonPath: '.spec.network' }, { jsonPath: '.spec.node' }],
          schema: { openAPIV3Schema: overlayMemberSchema() },
        },
      ],
    },
  };
}

export function generateCrds(): CustomResourceDefinition[] {
  return [...(['Network', 'Sandbox', 'Attachment'] as const).map(generateCrd), generateOverlayMemberCrd()];
}

/** kubebuilder's naming: <group>_<plural>.yaml */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

export const CRD_HEADER = '# Generated by `npm run gen:crds` from api/v1alpha1/schema*.ts. Do not edit by hand.\n';

export function renderCrd(crd: CustomResourceDefinition): string {
  return CRD_HEADER + stringify(crd, { lineWidth: 0 });
}

/** Every generated file (CRDs and their kustomization), by file name. */
export function renderCrdFiles(): Map<string, string> {
  const crds = generateCrds();
  const files = new Map(crds.map((c) => [crdFileName(c), renderCrd(c)]));
  const kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: crds.map(crdFileName) };
  files.set('kustomization.yaml', CRD_HEADER + stringify(kustomization));
  return files;
}
