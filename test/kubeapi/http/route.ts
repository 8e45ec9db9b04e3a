// URL -> resource target, following kube-apiserver's path layout:
//   /api/v1/<plural>[/<name>[/<sub>]]             /apis/<g>/<v>/<plural>[/<name>[/<sub>]]
//   /api/v1/namespaces/<ns>/<plural>[/<name>[/<sub>]] (namespaced), and the deprecated /watch/ prefix.
import { pathNotFound } from '../errors.js';
import type { Registry } from '../registry.js';
import type { Target } from '../ops/context.js';

export interface Route {
  target: Target;
  /** The legacy /watch/ path prefix was used. */
  watchPrefix: boolean;
}

export function resolve(registry: Registry, pathname: string): Route | undefined {
  const seg = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'api' && seg.length >= 3) [group, version, rest] = ['', seg[1]!, seg.slice(2)];
  else if (seg[0] === 'apis' && seg.length >= 4) [group, version, rest] = [seg[1]!, seg[2]!, seg.slice(3)];
  else return undefined;
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  const namespaceSub = group === '' && rest[0] === 'namespaces' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSub) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length < 1 || rest.length > 3) throw pathNotFound();
  const found = registry.lookup(group, version, rest[0]!);
  if (!found) throw pathNotFound();
  const { def } = found;
  if (namespace !== undefined && !def.namespaced) throw pathNotFound();
  if (namespace === undefined && def.namespaced && rest.length > 1) throw pathNotFound();
  const sub = rest[2];
  if (sub !== undefined) {
    const ok = (sub === 'status' && found.version.statusSubresource) || (sub === 'finalize' && def.group === '' && def.plural === 'namespaces');
    if (!ok) throw pathNotFound();
  }
  return {
    watchPrefix,
    target: {
      def,
      version: found.version,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(rest[1] !== undefined ? { name: rest[1] } : {}),
      ...(sub !== undefined ? { subresource: sub } : {}),
    },
  };
}
