// A stub DNS server for probe tests: answers every query with its id, the response bit and
// "refused" (enough for "the resolver answers"). Usage: node dns-responder.js <addr> [port];
// prints "ready" once bound, then "query <peer>" per query.
import { createSocket } from 'node:dgram';

const [addr, portText] = process.argv.slice(2);
const sock = createSocket(addr?.includes(':') ? 'udp6' : 'udp4');
sock.on('error', (err) => {
  process.stderr.write(`dns-responder: ${err.message}\n`);
  process.exit(1);
});
sock.on('message', (msg, rinfo) => {
  if (msg.length < 12) return;
  const reply = Buffer.from(msg);
  reply.writeUInt16BE(0x8105, 2); // response, recursion desired, REFUSED
  sock.send(reply, rinfo.port, rinfo.address);
  process.stdout.write(`query ${rinfo.address}\n`);
});
sock.bind(Number(portText ?? 53), addr ?? '0.0.0.0', () => process.stdout.write('ready\n'));
