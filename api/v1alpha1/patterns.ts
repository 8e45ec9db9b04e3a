// Regular expressions shared by the schema (file validator and CRD) and the semantic checks.
// Every pattern must mean the same in ECMAScript (ajv, unicode mode) and in Go RE2 (the API
// server): no lookaround, no backreferences, bounded repetition <= 1000.
// Each entry carries the sentence shown to a person when a value does not match.

export interface NamedPattern {
  re: string;
  /** Completes "must be ..." in error messages. */
  help: string;
}

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const V4 = `(${OCTET}\\.){3}${OCTET}`;
// Loose on purpose: 2..7 colons and hex groups; api/ip.ts parseIp does the exact check.
const V6 = '[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}';
const LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const HOST_LABEL = '[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?';

export const PATTERNS = {
  dnsLabel: {
    re: `^${LABEL}$`,
    help: 'a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
  },
  dnsSubdomain: {
    re: `^${LABEL}(\\.${LABEL})*$`,
    help: 'a DNS-1123 subdomain: dot-separated lowercase labels of letters, digits and "-", at most 253 characters',
  },
  hostname: {
    re: `^${HOST_LABEL}(\\.${HOST_LABEL})*$`,
    help: 'a DNS name: dot-separated labels of letters, digits and "-" (no leading or trailing "-"), labels at most 63 characters',
  },
  ifname: {
    re: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$',
    help: 'an interface name: 1-15 characters from letters, digits, "_", "." and "-", starting with a letter or digit',
  },
  netnsName: {
    re: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
    help: 'a namespace name: 1-64 characters from letters, digits, "_", "." and "-", starting with a letter or digit',
  },
  netnsPath: {
    re: '^(/[A-Za-z0-9_.@:+=-]+)+$',
    help: 'an absolute path like /proc/1234/ns/net or /run/netns/web-1 (no "//", no trailing "/")',
  },
  ipv4: { re: `^${V4}$`, help: 'an IPv4 address like 10.88.0.1 (no leading zeros)' },
  ipv6: { re: `^${V6}$`, help: 'an IPv6 address like fd00:88::1' },
  ip: { re: `^(${V4}|${V6})$`, help: 'an IPv4 or IPv6 address like 10.88.0.1 or fd00:88::1' },
  ipv4Cidr: { re: `^${V4}/(3[0-2]|[12]?[0-9])$`, help: 'an IPv4 CIDR like 10.88.0.0/24' },
  ipv6Cidr: { re: `^${V6}/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$`, help: 'an IPv6 CIDR like fd00:88::/64' },
  ipCidr: {
    re: `^(${V4}/(3[0-2]|[12]?[0-9])|${V6}/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$`,
    help: 'an IPv4 or IPv6 CIDR like 10.88.0.0/24 or fd00:88::/64',
  },
  // Unicast: the least significant bit of the first octet (I/G bit) is 0.
  mac: {
    re: '^[0-9A-Fa-f][02468AaCcEe](:[0-9A-Fa-f]{2}){5}$',
    help: 'a unicast MAC address like 02:42:0a:58:00:0a (six hex pairs separated by ":", even first octet)',
  },
  resolvOption: {
    re: '^[A-Za-z][A-Za-z0-9_-]{0,31}(:[0-9]{1,4})?$',
    help: 'a resolv.conf option like ndots:2, timeout:1 or edns0',
  },
  labelValue: {
    re: '^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$',
    help: 'a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
  },
  labelKey: {
    re: `^(${LABEL}(\\.${LABEL})*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`,
    help: 'a label key like kubernetes.io/hostname: an optional DNS prefix and "/", then a name of at most 63 characters',
  },
  conditionType: {
    re: `^(${LABEL}(\\.${LABEL})*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,314})?[A-Za-z0-9]$`,
    help: 'a condition type like Ready',
  },
  conditionReason: {
    re: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    help: 'a CamelCase reason like Converged',
  },
} as const satisfies Record<string, NamedPattern>;

export type PatternName = keyof typeof PATTERNS;

/**
 * Interface names the ifname pattern admits but nodenet refuses: the sandbox's loopback, and the
 * two names the kernel reserves for its per-interface settings (/proc/sys/net/ipv4/conf/all and
 * .../default), where a device of that name would alias every interface's knobs.
 */
export const RESERVED_IFNAMES = ['lo', 'all', 'default'] as const;

/** The same list as a CEL list literal. */
export const RESERVED_IFNAMES_CEL = `[${RESERVED_IFNAMES.map((n) => `'${n}'`).join(', ')}]`;

const HELP_BY_RE = new Map<string, string>(Object.values(PATTERNS).map((p) => [p.re, p.help]));

/** The human sentence for a schema pattern (ajv reports the raw expression). */
export function patternHelp(re: string): string | undefined {
  return HELP_BY_RE.get(re);
}

const compiled = new Map<PatternName, RegExp>();

/** Tests a value against a named pattern (compiled once, unicode mode like ajv). */
export function matches(name: PatternName, value: string): boolean {
  let re = compiled.get(name);
  if (!re) {
    re = new RegExp(PATTERNS[name].re, 'u');
    compiled.set(name, re);
  }
  return re.test(value);
}
