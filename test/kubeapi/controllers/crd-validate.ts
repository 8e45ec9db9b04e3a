// Structural checks kube-apiserver makes on a CustomResourceDefinition before storing it.
import type { StatusCause } from '../errors.js';
import { isJsonObject, type KObject } from '../types.js';

/** Structural checks kube-apiserver makes on a CRD (the ones a typo would hit). */
export function crdCauses(crd: KObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = isJsonObject(crd['spec']) ? crd['spec'] : undefined;
  const req = (field: string): void => void out.push({ reason: 'FieldValueRequired', message: 'Required value', field });
  if (!spec) return [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec' }];
  const names = isJsonObject(spec['names']) ? spec['names'] : {};
  if (!spec['group']) req('spec.group');
  if (!names['plural']) req('spec.names.plural');
  if (!names['kind']) req('spec.names.kind');
  if (spec['scope'] !== 'Namespaced' && spec['scope'] !== 'Cluster') out.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(spec['scope'] ?? '')}: supported values: "Cluster", "Namespaced"`, field: 'spec.scope' });
  const want = `${String(names['plural'])}.${String(spec['group'])}`;
  if (names['plural'] && spec['group'] && crd.metadata.name !== want) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group`, field: 'metadata.name' });
  const versions = Array.isArray(spec['versions']) ? spec['versions'].filter(isJsonObject) : [];
  if (versions.length === 0) req('spec.versions');
  const storage = versions.filter((v) => v['storage'] === true).length;
  if (versions.length && storage !== 1) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version`, field: 'spec.versions' });
  versions.forEach((v, i) => {
    const schema = isJsonObject(v['schema']) ? v['schema']['openAPIV3Schema'] : undefined;
    if (!isJsonObject(schema)) req(`spec.versions[${i}].schema.openAPIV3Schema`);
    else if (schema['type'] !== 'object') out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(schema['type'] ?? '')}: must be object at the root`, field: `spec.versions[${i}].schema.openAPIV3Schema.type` });
  });
  return out;
}
