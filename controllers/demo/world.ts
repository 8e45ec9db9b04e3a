// The demo's little world, all inside namespaces so the host is untouched: a "node" namespace
// where the agent runs, and an "outside" namespace routed through it (the rest of the network).
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { native } from '../dataplane/netlink/native.js';
import { run, runOk } from '../lib/exec.js';

export const DEMO_ROOT = '/run/nodenet-demo';

export interface World {
  nodeNs: string;
  outsideNs: string;
  netnsDir: string;
  stateDir: string;
  /** The node's address on the link to the outside (what outside clients connect to). */
  nodeAddr: string;
  outsideAddr: string;
}

export function inNs(ns: string, argv: string[]): string[] {
  return ['nsenter', `--net=${ns}`, ...argv];
}

export async function createWorld(): Promise<World> {
  await destroyWorld();
  mkdirSync(DEMO_ROOT, { recursive: true });
  const nsDir = join(DEMO_ROOT, 'ns');
  native().prepareNetnsDir(nsDir);
  const w: World = {
    nodeNs: join(nsDir, 'node'),
    outsideNs: join(nsDir, 'outside'),
    netnsDir: join(DEMO_ROOT, 'netns'),
    stateDir: join(DEMO_ROOT, 'state'),
    nodeAddr: '192.0.2.1',
    outsideAddr: '192.0.2.2',
  };
  native().netnsCreate(w.nodeNs);
  native().netnsCreate(w.outsideNs);
  const node = (...a: string[]): Promise<unknown> => runOk({ argv: inNs(w.nodeNs, a) });
  const out = (...a: string[]): Promise<unknown> => runOk({ argv: inNs(w.outsideNs, a) });
  await node('ip', 'link', 'set', 'lo', 'up');
  await out('ip', 'link', 'set', 'lo', 'up');
  await node('ip', 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', w.outsideNs);
  await node('ip', 'addr', 'add', `${w.nodeAddr}/24`, 'dev', 'uplink0');
  await node('ip', 'link', 'set', 'uplink0', 'up');
  await out('ip', 'addr', 'add', `${w.outsideAddr}/24`, 'dev', 'eth0');
  await out('ip', 'link', 'set', 'eth0', 'up');
  return w;
}

/** Removes everything the demo made: its namespaces (and with them every link in them) and files. */
export async function destroyWorld(): Promise<void> {
  const nsDir = join(DEMO_ROOT, 'ns');
  for (const dir of [join(DEMO_ROOT, 'netns'), nsDir]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) native().netnsDelete(join(dir, name));
    await run({ argv: ['umount', dir] });
  }
  rmSync(DEMO_ROOT, { recursive: true, force: true });
}
