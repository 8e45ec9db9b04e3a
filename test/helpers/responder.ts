// A tiny server for traffic tests. TCP: every connection gets one line "<label> <peer address>"
// and is closed, so a client learns who answered and what source address the server saw.
// UDP: every datagram is reported on stdout as "got <peer address> <payload>" (no reply), so a
// test can tell that a packet was delivered even when no answer could make it back.
// Usage: node responder.js tcp|udp <port> <label> [host]; prints "ready" once listening.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

const [proto, portText, label, host] = process.argv.slice(2);
const port = Number(portText);
const fail = (err: Error): void => {
  process.stderr.write(`responder ${label}: ${err.message}\n`);
  process.exit(1);
};
const plain = (addr: string | undefined): string => (addr ?? '?').replace(/^::ffff:/, '');

if (proto === 'udp') {
  const sock = createSocket(host && host.includes(':') ? 'udp6' : 'udp4');
  sock.on('error', fail);
  sock.on('message', (msg, rinfo) => process.stdout.write(`got ${plain(rinfo.address)} ${msg.toString().trim()}\n`));
  sock.bind(port, host ?? '0.0.0.0', () => process.stdout.write('ready\n'));
} else {
  // A client may reset the connection before the line is written (probes do): not the server's failure.
  const server = createServer((s) => s.on('error', () => undefined).end(`${label} ${plain(s.remoteAddress)}\n`));
  server.on('error', fail);
  server.listen({ port, host: host ?? '::', ipv6Only: false }, () => process.stdout.write('ready\n'));
}
