// validateResource on Sandboxes: netns name/path rules, adoption locations, DNS and hosts entries.
import { test } from 'node:test';
import { clone, sandbox } from './fixtures.js';
import { expectErrors, expectValid } from './expect.js';
import type { Sandbox } from '../../../../api/v1alpha1/types.js';

const sbx = (spec: Sandbox['spec']): Sandbox => clone(sandbox('web-1', spec));

test('a sandbox without spec fields is valid; so are names and adopted paths in the allowed places', () => {
  expectValid(sbx({}));
  expectValid(sbx({ netns: { name: 'web-1' }, hostname: 'web-1', nodeName: 'node-a.example' }));
  for (const path of ['/proc/1234/ns/net', '/proc/1234/task/1240/ns/net', '/run/netns/web-1', '/var/run/netns/cni-1', '/run/docker/netns/abc']) {
    expectValid(sbx({ netns: { path } }));
  }
});

test('netns: exactly one of name and path', () => {
  const msg = 'set exactly one of netns.name (create a namespace) and netns.path (adopt one)';
  expectErrors(sbx({ netns: { name: 'a', path: '/run/netns/a' } }), [{ path: 'spec.netns', message: msg }]);
  expectErrors(sbx({ netns: {} }), [{ path: 'spec.netns', message: msg }]);
});

test('netns name: safe charset, at most 64 characters', () => {
  expectErrors(sbx({ netns: { name: 'x'.repeat(65) } }), [{ path: 'spec.netns.name', message: 'must be at most 64 characters, got 65' }]);
  expectErrors(sbx({ netns: { name: '..' } }), [
    {
      path: 'spec.netns.name',
      message: 'must be a namespace name: 1-64 characters from letters, digits, "_", "." and "-", starting with a letter or digit, got ".."',
    },
  ]);
});

test('netns path: absolute, normalized, in a place nodenet adopts from, never PID 1', () => {
  expectErrors(sbx({ netns: { path: 'proc/12/ns/net' } }), [
    { path: 'spec.netns.path', message: 'must be an absolute path like /proc/1234/ns/net or /run/netns/web-1 (no "//", no trailing "/"), got "proc/12/ns/net"' },
  ]);
  expectErrors(sbx({ netns: { path: '/run/netns/../../etc/passwd' } }), [
    { path: 'spec.netns.path', message: 'netns.path must be normalized: no "." or ".." segments' },
  ]);
  expectErrors(sbx({ netns: { path: '/run/netns/./x' } }), [{ path: 'spec.netns.path', message: 'netns.path must be normalized: no "." or ".." segments' }]);
  const where = 'use /proc/PID/ns/net, /proc/PID/task/TID/ns/net or a file directly in /run/netns, /var/run/netns, /run/docker/netns, /var/run/docker/netns';
  for (const path of ['/proc/self/ns/net', '/tmp/ns', '/run/netns/sub/x', '/proc/12/ns/mnt']) {
    expectErrors(sbx({ netns: { path } }), [{ path: 'spec.netns.path', message: `${path} is not a namespace path nodenet adopts: ${where}` }]);
  }
  for (const path of ['/proc/1/ns/net', '/proc/1/task/1/ns/net']) {
    expectErrors(sbx({ netns: { path } }), [
      { path: 'spec.netns.path', message: `${path} is the host's own namespace (PID 1); nodenet adopts it only when the agent runs with --allow-host-netns` },
    ]);
    expectValid(sbx({ netns: { path } }), { allowHostNetns: true });
  }
  expectValid(sbx({ netns: { path: '/srv/ns/web' } }), { netnsDirs: ['/srv/ns'] });
});

test('dns: at most 3 nameservers that are real addresses, 6 search domains, valid options', () => {
  expectErrors(sbx({ dns: { nameservers: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'] } }), [
    { path: 'spec.dns.nameservers', message: 'must have at most 3 items, got 4' },
  ]);
  expectErrors(sbx({ dns: { nameservers: ['0.0.0.0', 'fd00:::1', '224.0.0.251'] } }), [
    { path: 'spec.dns.nameservers[0]', message: '0.0.0.0 is the unspecified address' },
    { path: 'spec.dns.nameservers[1]', message: 'fd00:::1 is not a valid IP address' },
    { path: 'spec.dns.nameservers[2]', message: '224.0.0.251 is a multicast address' },
  ]);
  expectErrors(sbx({ dns: { search: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] } }), [{ path: 'spec.dns.search', message: 'must have at most 6 items, got 7' }]);
  expectErrors(sbx({ dns: { search: ['svc.local', 'bad_domain'] } }), [
    {
      path: 'spec.dns.search[1]',
      message: 'must be a DNS name: dot-separated labels of letters, digits and "-" (no leading or trailing "-"), labels at most 63 characters, got "bad_domain"',
    },
  ]);
  expectErrors(sbx({ dns: { options: ['ndots:2', 'ndots 2'] } }), [
    { path: 'spec.dns.options[1]', message: 'must be a resolv.conf option like ndots:2, timeout:1 or edns0, got "ndots 2"' },
  ]);
});

test('hostname and extra hosts', () => {
  expectErrors(sbx({ hostname: 'a'.repeat(65) }), [{ path: 'spec.hostname', message: 'must be at most 64 characters, got 65' }]);
  expectErrors(sbx({ extraHosts: [{ hostname: 'db', ip: '10.88.0.9' }, { hostname: 'cache', ip: '224.0.0.1' }] }), [
    { path: 'spec.extraHosts[1].ip', message: '224.0.0.1 is a multicast address' },
  ]);
  expectErrors(sbx({ extraHosts: [{ hostname: 'db' } as never] }), [{ path: 'spec.extraHosts[0].ip', message: 'is required' }]);
});
