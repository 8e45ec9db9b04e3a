// The one definition of the nodenet.io/v1alpha1 schema. Two views are generated from it:
// - crd:  the openAPIV3Schema of the CRDs (structural: no additionalProperties next to properties;
//         the API server prunes unknown fields and owns metadata);
// - file: the same objects plus full metadata, with additionalProperties: false added to every
//         object that lists properties, so typos in files are reported instead of ignored.
import { API_VERSION, type Kind } from './types.js';
import type { Schema } from './schema-builders.js';
import { crdMetadata, fileMetadata } from './schema-common.js';
import { networkSpec, networkStatus } from './schema-network.js';
import { sandboxSpec, sandboxStatus } from './schema-sandbox.js';
import { attachmentSpec, attachmentStatus } from './schema-attachment.js';

export type { Schema, CelRule } from './schema-builders.js';
export { DRIVERS } from './schema-network.js';
export { PROTOCOLS } from './schema-attachment.js';

export type SchemaTarget = 'crd' | 'file';

const DESCRIPTIONS: Record<Kind, string> = {
  Network:
    'A node-local network (libnetwork Network + IPAM pool): a bridge (or macvlan/ipvlan/vxlan device), its addresses, NAT and isolation rules.',
  Sandbox: 'A network namespace (libnetwork Sandbox): created or adopted, with loopback up and its hostname, resolv.conf and hosts files.',
  Attachment:
    'A sandbox joined to a network (libnetwork Endpoint + Join): a veth pair, address, MAC, default route and published ports.',
};

const PARTS: Record<Kind, { spec: () => Schema; status: () => Schema }> = {
  Network: { spec: networkSpec, status: networkStatus },
  Sandbox: { spec: sandboxSpec, status: sandboxStatus },
  Attachment: { spec: attachmentSpec, status: attachmentStatus },
};

/** The schema of a whole object of `kind`, for the CRD or for file validation. */
export function resourceSchema(kind: Kind, target: SchemaTarget): Schema {
  const root: Schema = {
    type: 'object',
    description: DESCRIPTIONS[kind],
    properties: {
      // The API server allows nothing but a type here; validateResource checks the exact values first.
      apiVersion: { type: 'string', description: `APIVersion: ${API_VERSION}.` },
      kind: { type: 'string', description: `Kind: ${kind}.` },
      metadata: target === 'crd' ? crdMetadata() : fileMetadata(),
      spec: PARTS[kind].spec(),
      status: PARTS[kind].status(),
    },
    required: target === 'crd' ? ['spec'] : ['apiVersion', 'kind', 'metadata', 'spec'],
  };
  return target === 'file' ? strict(root) : root;
}

/**
 * Adds additionalProperties: false to every object schema that lists properties (unless it
 * preserves unknown fields). Only for file mode: a CRD must never carry both keywords.
 */
export function strict(s: Schema): Schema {
  const out: Schema = { ...s };
  if (s.properties) {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, strict(v)]));
    if (!s['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (s.items) out.items = strict(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = strict(s.additionalProperties);
  return out;
}
