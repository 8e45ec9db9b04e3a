// Runs a conformance scenario on any Dataplane and reduces what it sees to a normalized,
// comparable form: outcomes of every step (ok or errno) and the state of each namespace.
// Things that legitimately differ between runs are masked: random MACs, DAD's transient flags,
// and (unless the scenario settles) what the kernel does asynchronously after carrier changes.
import type { Dataplane, KernelOp, NetnsSession } from '../../../controllers/dataplane/types.js';
import { KernelError } from '../../../controllers/dataplane/types.js';
import { formatIp } from '../../../api/ip.js';

export interface Step {
  /** Namespace path the ops run in; undefined = the dataplane's own (agent) namespace. */
  ns: string | undefined;
  ops: KernelOp[];
}

export interface Scenario {
  name: string;
  /** Namespaces observed at the end (all created by the steps). */
  observe: string[];
  steps: Step[];
  /** Sysctl keys to compare in every observed namespace. */
  sysctls?: string[];
  /** Wait for carrier and IPv6 link-local addresses before observing, and compare them. */
  settle?: boolean;
}

export interface StepOutcome {
  ok: boolean;
  errno?: number;
  /** Index of the failing op in the step. */
  at?: number;
}

const STABLE_ADDR_FLAGS = 0x01 | 0x02 | 0x80; // secondary, nodad, permanent
const PERMANENT = 0x80;

function macsIn(s: Scenario): Set<string> {
  const found = JSON.stringify(s.steps).match(/[0-9a-f]{2}(:[0-9a-f]{2}){5}/gi) ?? [];
  return new Set([...found.map((m) => m.toLowerCase()), '00:00:00:00:00:00']);
}

/** Link-local addresses the kernel derives from the MACs a scenario sets (EUI-64). */
function linkLocalsOf(macs: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const mac of macs) {
    const b = mac.split(':').map((h) => parseInt(h, 16));
    const g = [(b[0]! ^ 2) * 256 + b[1]!, b[2]! * 256 + 0xff, 0xfe00 + b[3]!, b[4]! * 256 + b[5]!];
    out.add(formatIp(6, (0xfe80n << 112n) | g.reduce((acc, x) => (acc << 16n) | BigInt(x), 0n)));
  }
  return out;
}

/** JSON with keys in sorted order, so equal objects sort equally whatever their key order. */
function canonicalJson(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function sortJson<T>(xs: T[]): T[] {
  return xs.map(canonicalJson).sort().map((x) => JSON.parse(x) as T);
}

function strip(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export function observeNs(s: NetnsSession, sc: Scenario, known: Set<string>): unknown {
  const links = s.listLinks();
  const nameOf = (i: number | undefined): string | undefined => (i === undefined ? undefined : (links.find((l) => l.index === i)?.name ?? `#${i}`));
  const linkView = links.map((l) =>
    strip({
      index: l.index,
      name: l.name,
      kind: l.kind,
      mtu: l.mtu,
      up: l.up,
      lowerUp: sc.settle ? l.lowerUp : undefined,
      mac: l.mac && known.has(l.mac) ? l.mac : 'random',
      master: nameOf(l.master),
      alias: l.alias,
      link: l.link,
      crossNs: l.linkNetnsId !== undefined,
      vxlan: l.vxlan && strip({ ...l.vxlan, dev: nameOf(l.vxlan.dev) }),
      mode: l.mode,
      hairpin: l.master !== undefined ? s.getBridgePort(l.index)?.hairpin : undefined,
    }),
  );
  const lls = linkLocalsOf(known);
  const addrs = s
    .listAddrs()
    .filter((a) => sc.settle || a.scope !== 253)
    .map((a) => ({ ...a, index: nameOf(a.index), flags: a.flags & STABLE_ADDR_FLAGS, address: a.address.startsWith('fe80:') && !lls.has(a.address) ? 'fe80::(random mac)' : a.address }));
  const routes = [4, 6].flatMap((f) => s.listRoutes({ family: f as 4 | 6 })).filter((r) => sc.settle || r.dst !== 'fe80::/64');
  const table100 = [4, 6].flatMap((f) => s.listRoutes({ family: f as 4 | 6, table: 100 }));
  const neighs = [4, 6].flatMap((f) => s.listNeighs({ family: f as 4 | 6 })).filter((n) => n.state & PERMANENT);
  const fdb = links.filter((l) => l.kind === 'vxlan').flatMap((l) => s.listNeighs({ family: 7, index: l.index }));
  const sysctl = Object.fromEntries((sc.sysctls ?? []).map((k) => [k, s.readSysctl(k) ?? '(absent)']));
  return {
    links: linkView,
    addrs: sortJson(addrs),
    routes: sortJson(routes.map((r) => strip({ ...r, oif: nameOf(r.oif) }))),
    table100: sortJson(table100.map((r) => strip({ ...r, oif: nameOf(r.oif) }))),
    neighs: sortJson(neighs.map((n) => ({ ...n, index: nameOf(n.index) }))),
    fdb: sortJson(fdb.map((n) => ({ ...n, index: nameOf(n.index) }))),
    sysctl,
  };
}

export interface Observation {
  steps: StepOutcome[];
  namespaces: Record<string, unknown>;
}

/** Runs every step, recording outcomes instead of stopping at failures, then observes. */
export async function runScenario(dp: Dataplane, sc: Scenario, settleMs: number): Promise<Observation> {
  const steps: StepOutcome[] = [];
  for (const step of sc.steps) {
    const s = dp.session(step.ns);
    try {
      s.apply(step.ops);
      steps.push({ ok: true });
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      steps.push({ ok: false, errno: e.errno, at: step.ops.indexOf(e.op) });
    } finally {
      s.close();
    }
  }
  if (sc.settle && settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
  const known = macsIn(sc);
  const namespaces: Record<string, unknown> = {};
  for (const p of sc.observe) {
    if (!dp.isNetns(p)) {
      namespaces[p] = '(gone)';
      continue;
    }
    const s = dp.session(p);
    try {
      namespaces[p] = observeNs(s, sc, known);
    } finally {
      s.close();
    }
  }
  return { steps, namespaces };
}
