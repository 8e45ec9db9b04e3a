import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHosts, renderResolvConf } from '../../../../controllers/reconcile/sandbox-files.js';

const hostResolv = (text: string): string => {
  const p = join(mkdtempSync(join(tmpdir(), 'nn-resolv-')), 'resolv.conf');
  writeFileSync(p, text);
  return p;
};

test('resolv.conf from the host drops loopback resolvers like Docker', () => {
  const r = renderResolvConf(undefined, hostResolv('nameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch corp.example\noptions edns0\n'));
  assert.equal(r.text, 'nameserver 10.0.0.2\nsearch corp.example\noptions edns0\n');
  assert.equal(r.fallback, false);
});

test('only loopback resolvers on the host: the public fallback, flagged', () => {
  const r = renderResolvConf(undefined, hostResolv('nameserver 127.0.0.53\nnameserver ::1\n'));
  assert.equal(r.text, 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  assert.equal(r.fallback, true);
});

test('declared DNS wins over the host', () => {
  const r = renderResolvConf({ nameservers: ['10.88.0.1'], search: ['svc.local'], options: ['ndots:2'] }, '/nonexistent');
  assert.equal(r.text, 'nameserver 10.88.0.1\nsearch svc.local\noptions ndots:2\n');
});

test('hosts: header, own entries, peers, extra hosts; empty names skipped', () => {
  const text = renderHosts([
    { ip: '10.88.0.10', names: ['web-1', 'web'] },
    { ip: '10.88.0.9', names: ['db'] },
    { ip: '10.88.0.11', names: [] },
  ]);
  assert.match(text, /^127\.0\.0\.1\tlocalhost\n/);
  assert.match(text, /\n10\.88\.0\.10\tweb-1 web\n10\.88\.0\.9\tdb\n$/);
  assert.doesNotMatch(text, /10\.88\.0\.11/);
});
