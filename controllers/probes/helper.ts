// The probe helper: started by the agent as `nsenter --net=NETNS node helper.js REQUEST`, so its
// sockets live in the sandbox's network namespace. It opens TCP connections and sends DNS queries
// as asked, each bounded by the timeout, prints one JSON line of results and exits. The request
// is validated here again: it is all this process acts on.
import { dnsCheck, parseRequest, tcpCheck, type HelperResponse } from './net-checks.js';

async function main(): Promise<void> {
  const req = parseRequest(process.argv[2] ?? '');
  const [tcp, dns] = await Promise.all([
    Promise.all(req.tcp.map(([h, p]) => tcpCheck(h, p, req.timeoutMs))),
    Promise.all(req.dns.map((s) => dnsCheck(s, req.timeoutMs))),
  ]);
  process.stdout.write(JSON.stringify({ tcp, dns } satisfies HelperResponse) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`probe helper: ${String(err)}\n`);
  process.exitCode = 1;
});
