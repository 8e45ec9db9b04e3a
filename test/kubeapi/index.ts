// The in-process Kubernetes API server for tests. Start with startTestApiServer().
export { startTestApiServer, type TestApiServer, type TestApiServerOptions } from './server.js';
export type { AdmissionHook, AdmissionRequest, AdmissionDenial, Authorizer, AuthorizeRequest } from './ops/context.js';
export type { FaultSpec, RequestFilter, RequestRecord } from './controls.js';
export type { KObject } from './types.js';
export type { Unevaluated } from './cel/rules.js';
export { PATCH_TYPES } from './ops/patch.js';
export { raw, rawWatch, type RawTarget, type RawResponse, type RawWatch, type WatchEvent } from './client.js';
