// Schema of Sandbox (namespaced): one network namespace plus its hostname, resolv.conf and hosts.
// Each CEL rule names its TS twin in semantic-sandbox.ts.
import { LIMITS as L } from './limits.js';
import { bool, cel, list, obj, str, type Schema } from './schema-builders.js';
import { conditions, ip, observedGeneration } from './schema-common.js';

function netns(): Schema {
  return obj(
    'Which network namespace backs the sandbox. Omit it to create one named after the sandbox.',
    {
      name: str('Name of a namespace nodenet creates under its netns directory (default /run/netns).', {
        maxLength: L.netnsNameMax,
        minLength: 1,
        pattern: 'netnsName',
      }),
      path: str('Adopt an existing namespace: /proc/PID/ns/net, /proc/PID/task/TID/ns/net or a file in a netns directory. Never deleted by nodenet.', {
        maxLength: L.netnsPathMax,
        pattern: 'netnsPath',
        rules: [
          // TS: netnsPathNormalized (semantic-sandbox.ts)
          cel(
            "!self.contains('/../') && !self.endsWith('/..') && !self.contains('/./') && !self.endsWith('/.')",
            'netns.path must be normalized: no "." or ".." segments',
          ),
        ],
      }),
    },
    {
      // TS: netnsNameXorPath (semantic-sandbox.ts)
      rules: [cel('has(self.name) != has(self.path)', 'set exactly one of netns.name (create a namespace) and netns.path (adopt one)')],
    },
  );
}

function dns(): Schema {
  return obj('resolv.conf of the sandbox. Default: the host\'s, without loopback resolvers (as Docker does).', {
    nameservers: list('Resolver addresses (at most 3, the glibc limit).', ip('A resolver address.'), { maxItems: L.nameserversMax }),
    search: list(
      'Search domains (at most 6).',
      str('A search domain.', { maxLength: L.dnsNameMax, pattern: 'hostname' }),
      { maxItems: L.searchMax },
    ),
    options: list(
      'resolv.conf options such as ndots:2 (at most 16).',
      str('One option.', { maxLength: 38, pattern: 'resolvOption' }),
      { maxItems: L.optionsMax },
    ),
  });
}

export function sandboxSpec(): Schema {
  const extraHost = obj(
    'An extra line of the sandbox\'s hosts file.',
    {
      hostname: str('Host name.', { maxLength: L.dnsNameMax, pattern: 'hostname' }),
      ip: ip('Its address.'),
    },
    { required: ['hostname', 'ip'] },
  );
  return obj('Desired state of the sandbox.', {
    nodeName: str('Kube mode: the node that realizes this sandbox. File mode: ignored (this node).', {
      maxLength: L.subdomainMax,
      pattern: 'dnsSubdomain',
    }),
    netns: netns(),
    hostname: str('Host name inside the sandbox (at most 64 characters); default: the sandbox name.', {
      maxLength: L.hostnameMax,
      pattern: 'hostname',
    }),
    dns: dns(),
    extraHosts: list('Extra hosts-file entries (at most 256).', extraHost, { maxItems: L.extraHostsMax }),
  });
}

export function sandboxStatus(): Schema {
  return obj('Observed state of the sandbox, written by the agent.', {
    observedGeneration: observedGeneration(),
    conditions: conditions(),
    netnsPath: str('Path of the network namespace.', { maxLength: L.pathMax }),
    adopted: bool('The namespace was adopted (netns.path) and is never deleted by nodenet.'),
    hostsFile: str('Generated hosts file.', { maxLength: L.pathMax }),
    resolvConf: str('Generated resolv.conf.', { maxLength: L.pathMax }),
    hostnameFile: str('Generated hostname file.', { maxLength: L.pathMax }),
    hostNetwork: bool('The sandbox is on a host network: netnsPath is the node\'s own namespace.'),
  });
}
