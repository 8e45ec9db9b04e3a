// Endpoints that are not resources: version, health, discovery, OpenAPI.
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from '../discovery.js';
import { openapiV2, openapiV3Group, openapiV3Root } from '../openapi/docs.js';
import type { Registry } from '../registry.js';

export interface NonResourceAnswer {
  code: number;
  body: unknown;
  contentType?: string;
}

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
}

export function serveNonResource(reg: Registry, pathname: string, accept: string, opts: { version: VersionInfo; address: string }): NonResourceAnswer | undefined {
  const p = pathname.replace(/\/+$/, '') || '/';
  if (p === '/version') {
    return { code: 200, body: { ...opts.version, gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23.0', compiler: 'gc', platform: 'linux/amd64' } };
  }
  if (p === '/healthz' || p === '/livez' || p === '/readyz') return { code: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' };
  if (p === '/api') return { code: 200, body: apiVersions(opts.address) };
  if (p === '/apis') return { code: 200, body: apiGroupList(reg) };
  if (p === '/openapi/v2') return openapiV2(reg, accept);
  if (p === '/openapi/v3') return { code: 200, body: openapiV3Root(reg) };
  const v3 = /^\/openapi\/v3\/(api\/v1|apis\/[^/]+\/[^/]+)$/.exec(p);
  if (v3) {
    const doc = openapiV3Group(reg, v3[1]!);
    return doc ? { code: 200, body: doc } : undefined;
  }
  const seg = p.split('/').filter((s) => s !== '');
  if (seg[0] === 'api' && seg.length === 2) {
    const l = apiResourceList(reg, '', seg[1]!);
    return l ? { code: 200, body: l } : undefined;
  }
  if (seg[0] === 'apis' && seg.length === 2) {
    const g = apiGroup(reg, seg[1]!);
    return g ? { code: 200, body: g } : undefined;
  }
  if (seg[0] === 'apis' && seg.length === 3) {
    const l = apiResourceList(reg, seg[1]!, seg[2]!);
    return l ? { code: 200, body: l } : undefined;
  }
  return undefined;
}
