// A one-line HTTP server for the demo: answers "hello from LABEL, you are PEER".
// Usage: node http-echo.js PORT LABEL [HOST]; prints "listening" when ready.
import { createServer } from 'node:http';

const [portText, label, host] = process.argv.slice(2);
createServer((req, res) => {
  const peer = (req.socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
  res.end(`hello from ${label}, you are ${peer}\n`);
}).listen(Number(portText), host ?? '0.0.0.0', () => console.log('listening'));
