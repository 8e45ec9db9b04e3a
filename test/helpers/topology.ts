// Builds the little world the firewall traffic tests run in, inside the scratch namespace ("the
// host"): bridges with a gateway address, sandbox namespaces joined by veths, an "outside"
// namespace reached through a routed veth, TCP responders and probes (ping, socat).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { native } from '../../controllers/dataplane/netlink/native.js';
import { run, runOk } from '../../controllers/lib/exec.js';
import type { Scratch } from './scratch.js';

const RESPONDER = join(import.meta.dirname, 'responder.js');

/** argv run inside a namespace; path null means the host (scratch) namespace itself. */
export function inNs(path: string | null, argv: string[]): string[] {
  return path ? ['nsenter', `--net=${path}`, ...argv] : argv;
}

export async function sh(path: string | null, ...argv: string[]): Promise<void> {
  await runOk({ argv: inNs(path, argv) });
}

export async function makeNs(s: Scratch, name: string): Promise<string> {
  const path = join(s.netnsDir, name);
  native().netnsCreate(path);
  await sh(path, 'ip', 'link', 'set', 'lo', 'up');
  return path;
}

/** A bridge with its gateway address; route_localnet is what the engine sets for 127.0.0.1 publishing. */
export async function makeBridge(name: string, gatewayCidr: string): Promise<void> {
  await sh(null, 'ip', 'link', 'add', name, 'type', 'bridge');
  await sh(null, 'ip', 'addr', 'add', gatewayCidr, 'dev', name);
  await sh(null, 'ip', 'link', 'set', name, 'up');
  await sh(null, 'sysctl', '-qw', `net.ipv4.conf.${name}.route_localnet=1`);
}

export interface SandboxSpec {
  name: string;
  bridge: string;
  /** Address with prefix, e.g. 10.10.1.2/24. */
  cidr: string;
  gateway: string;
  /** Host-side veth name. */
  hostIf: string;
}

export async function makeSandbox(s: Scratch, spec: SandboxSpec): Promise<string> {
  const path = await makeNs(s, spec.name);
  const peer = `${spec.hostIf}p`;
  await sh(null, 'ip', 'link', 'add', spec.hostIf, 'type', 'veth', 'peer', 'name', peer);
  await sh(null, 'ip', 'link', 'set', peer, 'netns', path);
  await sh(path, 'ip', 'link', 'set', peer, 'name', 'eth0');
  await sh(path, 'ip', 'addr', 'add', spec.cidr, 'dev', 'eth0');
  await sh(path, 'ip', 'link', 'set', 'eth0', 'up');
  await sh(path, 'ip', 'route', 'add', 'default', 'via', spec.gateway);
  await sh(null, 'ip', 'link', 'set', spec.hostIf, 'master', spec.bridge);
  // Like Docker without userland proxy: br_netfilter sends a DNATed packet back out the port it
  // came in on only in hairpin mode, which a sandbox reaching its own published port needs.
  await sh(null, 'ip', 'link', 'set', spec.hostIf, 'type', 'bridge_slave', 'hairpin', 'on');
  await sh(null, 'ip', 'link', 'set', spec.hostIf, 'up');
  return path;
}

export interface Outside {
  path: string;
  /** The host's address on the link to the outside. */
  hostAddr: string;
  /** The outside's own address on that link. */
  linkAddr: string;
  /** An address of the outside's routed subnet (where its services listen). */
  serviceAddr: string;
}

/** The world: a namespace whose subnet 192.168.60.0/24 the host routes to it, and which routes everything else to the host. */
export async function makeOutside(s: Scratch): Promise<Outside> {
  const path = await makeNs(s, 'outside');
  await sh(null, 'ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up0p');
  await sh(null, 'ip', 'link', 'set', 'up0p', 'netns', path);
  await sh(path, 'ip', 'link', 'set', 'up0p', 'name', 'eth0');
  await sh(path, 'ip', 'addr', 'add', '192.168.50.2/24', 'dev', 'eth0');
  await sh(path, 'ip', 'link', 'set', 'eth0', 'up');
  await sh(path, 'ip', 'addr', 'add', '192.168.60.1/32', 'dev', 'lo');
  await sh(path, 'ip', 'route', 'add', 'default', 'via', '192.168.50.1');
  await sh(null, 'ip', 'addr', 'add', '192.168.50.1/24', 'dev', 'up0');
  await sh(null, 'ip', 'link', 'set', 'up0', 'up');
  await sh(null, 'ip', 'route', 'add', '192.168.60.0/24', 'via', '192.168.50.2');
  return { path, hostAddr: '192.168.50.1', linkAddr: '192.168.50.2', serviceAddr: '192.168.60.1' };
}

/** Docker's host: forwarding on, bridged IPv4 through the ip hooks. */
export async function hostSysctls(): Promise<void> {
  await sh(null, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  await sh(null, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1');
}

export async function ping(path: string | null, addr: string): Promise<boolean> {
  const res = await run({ argv: inNs(path, ['ping', '-n', '-c1', '-W1', addr]) });
  return res.code === 0;
}

/** Connects and returns the responder's line ("label peer"), or undefined when nothing answered. */
export async function tcpAsk(path: string | null, addr: string, port: number): Promise<string | undefined> {
  const target = addr.includes(':') ? `TCP6:[${addr}]:${port}` : `TCP:${addr}:${port}`;
  const res = await run({ argv: inNs(path, ['socat', '-u', `${target},connect-timeout=1`, 'STDOUT']), timeoutMs: 5000 });
  return res.code === 0 && res.stdout.trim() ? res.stdout.trim() : undefined;
}

/** Sends one UDP datagram (no answer expected). */
export async function udpSend(path: string | null, addr: string, port: number, payload: string): Promise<void> {
  await runOk({ argv: inNs(path, ['socat', '-u', 'STDIN', `UDP:${addr}:${port}`]), input: payload + '\n' });
}

export interface Responder {
  /** Lines the responder printed after "ready" (UDP: one per datagram received). */
  lines: string[];
}

export interface ResponderSpec {
  port: number;
  label: string;
  host?: string;
  udp?: boolean;
}

export class Responders {
  private readonly children: ChildProcess[] = [];

  /** Starts a responder in a namespace and waits until it listens. */
  async start(path: string | null, spec: ResponderSpec): Promise<Responder> {
    const args = [spec.udp ? 'udp' : 'tcp', String(spec.port), spec.label, ...(spec.host ? [spec.host] : [])];
    const argv = inNs(path, [process.execPath, RESPONDER, ...args]);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    const handle: Responder = { lines: [] };
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout!.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n').filter(Boolean)) {
          if (line === 'ready') resolve();
          else handle.lines.push(line);
        }
      });
      child.on('exit', (code) => reject(new Error(`responder ${spec.label} exited ${code}: ${err}`)));
    });
    return handle;
  }

  stopAll(): void {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGTERM');
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
