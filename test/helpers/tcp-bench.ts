// A TCP throughput probe for kernel tests, run inside a namespace like responder.ts.
// node tcp-bench.js recv PORT            -> "ready", then one JSON line {bytes, ms} when the sender closes
// node tcp-bench.js send HOST PORT SECS  -> writes 64 KiB chunks for SECS seconds, then {bytes, ms}
import { connect, createServer } from 'node:net';

const [mode, a, b, c] = process.argv.slice(2);

if (mode === 'recv') {
  const server = createServer((sock) => {
    let bytes = 0;
    let first = 0;
    sock.on('data', (d: Buffer) => {
      if (!first) first = performance.now();
      bytes += d.length;
    });
    sock.on('end', () => {
      process.stdout.write(JSON.stringify({ bytes, ms: performance.now() - first }) + '\n');
      server.close();
    });
  });
  server.listen({ port: Number(a), host: '::', ipv6Only: false }, () => process.stdout.write('ready\n'));
} else if (mode === 'send') {
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const sock = connect({ host: a!, port: Number(b) });
  const until = performance.now() + Number(c) * 1000;
  let bytes = 0;
  const start = performance.now();
  const pump = (): void => {
    while (performance.now() < until) {
      bytes += chunk.length;
      if (!sock.write(chunk)) return void sock.once('drain', pump);
    }
    sock.end(() => process.stdout.write(JSON.stringify({ bytes, ms: performance.now() - start }) + '\n'));
  };
  sock.on('connect', pump);
  sock.on('error', (e) => {
    process.stderr.write(`send: ${e.message}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write('usage: tcp-bench recv PORT | send HOST PORT SECONDS\n');
  process.exit(2);
}
