// The agent reads as root, so the manifest directory must not become a way to read other files:
// a link leading outside is refused (and its content never quoted), links inside (ConfigMap
// volumes) work, FIFOs are skipped without blocking, and the size limit holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '../../../../../controllers/source/file/read-manifest.js';
import { FileSource } from '../../../../../controllers/source/file/source.js';
import { formatProblem } from '../../../../../controllers/source/file/parse.js';
import { DesiredStore } from '../../../../../controllers/store/desired.js';
import { runOk } from '../../../../../controllers/lib/exec.js';
import { setLogSink } from '../../../../../controllers/lib/log.js';

const NET = 'apiVersion: nodenet.io/v1alpha1\nkind: Network\nmetadata: {name: front}\nspec: {ipam: {ipv4: {subnet: 10.88.0.0/24}}}\n';
const SECRET = 'root:$6$supersecrethash:19000:0:99999:7:::';

function world(): { base: string; dir: string; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'nodenet-read-'));
  const dir = join(base, 'manifests');
  mkdirSync(dir);
  return { base, dir, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

test('a link to a file outside the manifest directory is refused and its content never appears', () => {
  const w = world();
  try {
    writeFileSync(join(w.base, 'shadow'), SECRET);
    symlinkSync(join(w.base, 'shadow'), join(w.dir, 'evil.yaml'));
    symlinkSync('/proc/self/environ', join(w.dir, 'env.yaml'));
    const r = readManifest(join(w.dir, 'evil.yaml'), w.dir, 1 << 20);
    assert.deepEqual(r, { problem: 'is a symbolic link to a file outside the manifest directory; not read' });
    assert.ok('problem' in readManifest(join(w.dir, 'env.yaml'), w.dir, 1 << 20));
    const lines: string[] = [];
    const restore = setLogSink((l) => lines.push(l));
    try {
      const src = new FileSource({ dir: w.dir });
      src.loadOnce(new DesiredStore(() => []), [join(w.dir, 'evil.yaml'), join(w.dir, 'env.yaml')]);
      const text = src.problems().map(formatProblem).join('\n') + lines.join('\n');
      assert.match(text, /evil\.yaml.*outside the manifest directory/);
      assert.ok(!text.includes('supersecret') && !text.includes('PATH='), text);
    } finally {
      setLogSink(restore);
    }
  } finally {
    w.cleanup();
  }
});

test('links inside the directory (a ConfigMap volume: file -> ..data/file) are read', () => {
  const w = world();
  try {
    mkdirSync(join(w.dir, '..2024_01_01'));
    writeFileSync(join(w.dir, '..2024_01_01', 'net.yaml'), NET);
    symlinkSync('..2024_01_01', join(w.dir, '..data'));
    symlinkSync('..data/net.yaml', join(w.dir, 'net.yaml'));
    assert.deepEqual(readManifest(join(w.dir, 'net.yaml'), w.dir, 1 << 20), { text: NET });
    // The manifest directory itself may be a link.
    symlinkSync(w.dir, join(w.base, 'linked'));
    assert.deepEqual(readManifest(join(w.base, 'linked', 'net.yaml'), join(w.base, 'linked'), 1 << 20), { text: NET });
  } finally {
    w.cleanup();
  }
});

test('a FIFO is skipped without blocking; missing files are absent; the size limit holds', async () => {
  const w = world();
  try {
    await runOk({ argv: ['mkfifo', join(w.dir, 'pipe.yaml')] });
    assert.deepEqual(readManifest(join(w.dir, 'pipe.yaml'), w.dir, 1 << 20), { absent: true });
    assert.deepEqual(readManifest(join(w.dir, 'none.yaml'), w.dir, 1 << 20), { absent: true });
    writeFileSync(join(w.dir, 'big.yaml'), 'x'.repeat(101));
    assert.deepEqual(readManifest(join(w.dir, 'big.yaml'), w.dir, 100), { problem: 'file is 101 bytes; the limit is 100 (split it)' });
    writeFileSync(join(w.dir, 'ok.yaml'), 'x'.repeat(100));
    assert.deepEqual(readManifest(join(w.dir, 'ok.yaml'), w.dir, 100), { text: 'x'.repeat(100) });
  } finally {
    w.cleanup();
  }
});
