// Schema pieces shared by the three kinds: object names, metadata and status conditions.
import { LIMITS as L } from './limits.js';
import { enumStr, int, list, obj, str, stringMap, type Schema } from './schema-builders.js';

export function nameRef(description: string): Schema {
  return str(description, { maxLength: L.nameMax, minLength: 1, pattern: 'dnsLabel' });
}

export function ifname(description: string): Schema {
  return str(description, { maxLength: L.ifnameMax, minLength: 1, pattern: 'ifname' });
}

export function mtu(description: string): Schema {
  return int(description, L.mtuMin, L.mtuMax);
}

export function ipv4(description: string): Schema {
  return str(description, { maxLength: L.ipMax, pattern: 'ipv4' });
}

export function ipv6(description: string): Schema {
  return str(description, { maxLength: L.ipMax, pattern: 'ipv6' });
}

export function ip(description: string): Schema {
  return str(description, { maxLength: L.ipMax, pattern: 'ip' });
}

export function port(description: string): Schema {
  return int(description, L.portMin, L.portMax);
}

export function observedGeneration(): Schema {
  return int('The metadata.generation the agent last acted on.', 0, L.generationMax);
}

export function conditions(): Schema {
  const condition = obj(
    'One aspect of the object\'s state (Ready, Degraded), in Kubernetes condition form.',
    {
      type: str('Condition type, e.g. Ready or Degraded.', { maxLength: L.labelKeyMax, pattern: 'conditionType' }),
      status: enumStr('"True", "False" or "Unknown".', ['True', 'False', 'Unknown']),
      reason: str('One CamelCase word for programs, e.g. Converged or SubnetOverlap.', {
        maxLength: L.reasonMax,
        pattern: 'conditionReason',
      }),
      message: str('What happened and what to fix, for people.', { maxLength: L.conditionMessageMax }),
      lastTransitionTime: str('When status last changed (RFC 3339).', { maxLength: 64, format: 'date-time' }),
      observedGeneration: observedGeneration(),
    },
    { required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'] },
  );
  return list('Current conditions; Ready says whether the kernel matches the spec.', condition, {
    maxItems: L.conditionsMax,
    listType: 'map',
    mapKeys: ['type'],
  });
}

const objectName = (): Schema =>
  str('Object name: a DNS-1123 label (lowercase letters, digits, "-"; at most 63 characters).', {
    maxLength: L.nameMax,
    minLength: 1,
    pattern: 'dnsLabel',
  });

/**
 * metadata as the API server lets a CRD constrain it: only name (and generateName) may carry
 * restrictions; everything else is ObjectMeta, validated by the server itself.
 */
export function crdMetadata(): Schema {
  // No description either: anything besides name/generateName makes the API server reject the CRD.
  return { type: 'object', properties: { name: objectName() } };
}

/**
 * metadata in file mode, where nobody else validates it. Lists every ObjectMeta field, so that
 * `kubectl get -o yaml` output still loads while a typo such as "namspace" is reported.
 */
export function fileMetadata(): Schema {
  const free = (d: string): Schema => ({ type: 'object', description: d, 'x-kubernetes-preserve-unknown-fields': true });
  return obj(
    'Standard object metadata. File mode reads name, namespace, labels and annotations; the other fields are accepted and ignored.',
    {
      name: objectName(),
      generateName: str('Ignored in file mode.', { maxLength: L.subdomainMax }),
      namespace: str('Namespace (Sandbox and Attachment only); file mode defaults it to "default".', {
        maxLength: L.nameMax,
        minLength: 1,
        pattern: 'dnsLabel',
      }),
      labels: stringMap('Labels.', str('Label value.', { maxLength: L.labelValueMax, pattern: 'labelValue' }), L.labelsMax),
      annotations: stringMap('Annotations.', str('Annotation value.', { maxLength: L.annotationValueMax }), L.labelsMax),
      uid: str('Set by the API server.', { maxLength: 128 }),
      resourceVersion: str('Set by the API server.', { maxLength: 128 }),
      generation: int('Spec generation (API server, or the file source in file mode).', 0, L.generationMax),
      creationTimestamp: str('Creation time (RFC 3339); orders conflicting objects (older wins).', { maxLength: 64, format: 'date-time' }),
      deletionTimestamp: str('Set by the API server.', { maxLength: 64, format: 'date-time' }),
      deletionGracePeriodSeconds: int('Set by the API server.', 0, L.generationMax),
      selfLink: str('Deprecated; ignored.', { maxLength: 1024 }),
      finalizers: list('Finalizers.', str('Finalizer name.', { maxLength: L.subdomainMax }), { maxItems: L.finalizersMax }),
      ownerReferences: list('Owner references; ignored in file mode.', free('Owner reference.'), { maxItems: 32 }),
      managedFields: list('Server-side apply bookkeeping; ignored in file mode.', free('Managed fields entry.'), { maxItems: 64 }),
    },
    { required: ['name'] },
  );
}

