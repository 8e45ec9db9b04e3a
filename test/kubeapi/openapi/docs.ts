// /openapi/v2 and /openapi/v3 entry points.
import type { NonResourceAnswer } from '../http/nonresource.js';
import type { Registry } from '../registry.js';
export { openapiV3Group, openapiV3Root } from './v3.js';

export function openapiV2(_r: Registry, _accept: string): NonResourceAnswer {
  return { code: 404, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 } };
}
