// What an object can collide over in validateCrossObject, as resource ids: two objects can only
// influence each other's verdict if they share one (directly or through a chain of objects).
// The ids are a superset of the real comparisons (e.g. a port id ignores the host address and
// node), which only makes the set of objects re-judged after a change larger, never wrong.
// Networks are not described: a Network change re-judges everything.
import { keyOf } from './defaults-values.js';
import { resolveSandbox } from './defaults.js';
import { resolveAttachment } from './defaults-attachment.js';
import type { Resource } from './types.js';

/**
 * Resource ids of an object; undefined for kinds whose change needs a complete re-judgement.
 * netnsDir must be the one validateCrossObject is given: namespaces collide by path.
 */
export function crossResources(obj: Resource, opts: { netnsDir?: string } = {}): string[] | undefined {
  if (obj.kind === 'Network') return undefined;
  if (obj.kind === 'Sandbox') {
    const r = resolveSandbox(obj, { netnsDir: opts.netnsDir ?? '/run/netns' });
    // The path checkSandbox claims (an adopted path and a created namespace there collide; the
    // node is left out: file mode ignores it), and the sandbox itself (its attachments depend on it).
    return [`netns\0${r.netnsPath.replace(/^\/var\/run\//, '/run/')}`, `sandbox\0${keyOf(obj)}`];
  }
  const r = resolveAttachment(obj);
  const ids = [
    `sandbox\0${r.sandboxKey}`,
    `join\0${r.sandboxKey}\0${r.networkKey}`,
    `iface\0${r.sandboxKey}\0${r.interface}`,
  ];
  for (const ip of [r.ipv4Address, r.ipv6Address]) if (ip !== undefined) ids.push(`ip\0${r.networkKey}\0${ip}`);
  for (const p of r.ports) for (let port = p.hostPort; port <= p.hostPortEnd; port++) ids.push(`port\0${p.protocol}\0${port}`);
  return ids;
}
