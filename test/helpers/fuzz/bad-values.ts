// Values no field of their kind accepts: injection canaries (shell and nft syntax, newlines, NUL,
// path traversal, lookalike Unicode), out-of-range numbers and malformed addresses.
import fc from 'fast-check';

/** Strings that must never reach a command line, an nft script or a path unescaped. */
export const CANARIES: readonly string[] = [
  '; reboot',
  'a;b',
  '$(touch /tmp/nodenet-pwned)',
  '`id`',
  'a|b',
  'a&b',
  'a>b',
  'x\ny',
  'x\r\ny',
  '"; flush ruleset',
  '}',
  '{',
  'a"b',
  "a'b",
  'a\\b',
  '../x',
  '../../etc/passwd',
  'a/b',
  'a\u0000b',
  'a b',
  'a\tb',
  '\u001b[2J\u001b]0;pwned\u0007',
  'e\u0301th0', // combining accent
  'ｅｔｈ０', // fullwidth
  '\u202eevil', // right-to-left override
  '\uFFFD', // what an overlong UTF-8 sequence (C0 AF for "/") decodes to
  'a\u00adb', // soft hyphen
];

const canary = fc.constantFrom(...CANARIES);

/** Invalid names for metadata.name, sandbox/network references, namespaces (DNS-1123 labels). */
export const badLabel = fc.oneof(
  canary,
  fc.constantFrom('', 'A', 'a_b', '-a', 'a-', 'a.b', 'a'.repeat(64), 'web-1 ', ' web'),
  fc.string({ minLength: 1, maxLength: 80 }).filter((s) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(s)),
);

/** Invalid interface names: kernel rules (<= 15 bytes, charset), reserved names, canaries. */
export const badIfname = fc.oneof(
  canary,
  fc.constantFrom('', 'lo', 'all', 'default', '.', '..', '-x', '_x', 'eth%d', 'a:b', 'x'.repeat(16), 'éth0', 'eth0\n', 'eth 0'),
  fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(s) || ['lo', 'all', 'default'].includes(s)),
);

/** Host names (aliases, extraHosts, search domains, spec.hostname) that are not DNS names. */
export const badHostname = fc.oneof(canary, fc.constantFrom('', '-a', 'a-', 'a_b', 'a..b', '.a', 'a.', 'a'.repeat(64), 'x.' + 'a'.repeat(64)));

export const badPort = fc.constantFrom<unknown>(0, -1, 65536, 70000, 1.5, '80', '8080', null, true, [], {}, 1e21);

export const badCidr4 = fc.constantFrom(
  '0.0.0.0/0',
  '10.0.0.0/4',
  '10.0.0.0/7',
  '127.0.0.0/8',
  '127.1.0.0/16',
  '169.254.0.0/16',
  '224.0.0.0/24',
  '239.1.0.0/16',
  '240.0.0.0/8',
  '0.1.2.0/24',
  '10.0.0.1/24',
  '10.0.0.0/31',
  '10.0.0.0/32',
  '10.0.0.0/33',
  '300.1.1.0/24',
  '010.0.0.0/24',
  '10.0.0.0',
  'fd00::/64',
  '',
  '10.1.0.0/24; rm -rf /',
);

export const badCidr6 = fc.constantFrom('::/0', 'fd00::/40', 'fe80::/64', 'ff00::/64', 'ff02::/120', '::1/128', '::/64', 'fd00::1/64', 'fd00::/127', 'fd00:::/64', '10.0.0.0/24');

export const badIpv4Host = fc.constantFrom('0.0.0.0', '127.0.0.1', '169.254.1.1', '224.0.0.1', '255.255.255.255', '0.1.2.3', '10.0.0.1/24', 'fd00::1', '010.0.0.1', '1.2.3', '', 'localhost');

export const badIpv6Host = fc.constantFrom('::', '::1', 'fe80::1', 'ff02::1', '10.0.0.1', 'fd00:::1', 'fd00::1%eth0', '::ffff:10.0.0.1', '');

export const badMac = fc.constantFrom('00:00:00:00:00:00', '01:00:5e:00:00:01', 'ff:ff:ff:ff:ff:ff', '03:00:00:00:00:01', '02:42:ac:11:00', '02:42:ac:11:00:02:03', 'zz:42:ac:11:00:02', '02-42-ac-11-00-02', '');

export const badMtu = fc.constantFrom<unknown>(0, 67, -1, 65536, 1e6, 1500.5, '1500', null, false);

/** netns.path values that are not a place nodenet adopts from (or not a path at all). */
export const badNetnsPath = fc.oneof(
  canary,
  fc.constantFrom(
    '../x',
    'run/netns/x',
    '/run/netns/../../etc/passwd',
    '/run/netns/..',
    '/run/netns/./x',
    '/proc/self/ns/net',
    '/proc/thread-self/ns/net',
    '/proc/1/ns/net',
    '/proc/1/task/1/ns/net',
    '/proc/0/ns/net',
    '/proc/01/ns/net',
    '/proc/12/ns/mnt',
    '/proc/12/ns/net/',
    '/proc/12/root/run/netns/x',
    '/etc/passwd',
    '/tmp/ns',
    '/run/netns/sub/x',
    '/run/netns/x/',
    '//run/netns/x',
    '/run/netns',
    '/run/netns/a b',
    '/run/netns/a;b',
    '/run/netns/' + 'a'.repeat(300),
    '/run/netns/x\u0000',
    '',
  ),
);
