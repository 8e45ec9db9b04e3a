// Turns explain's arguments into endpoints: a sandbox or attachment by name (web-1, default/web-1,
// Attachment/default/web-1-frontend), optionally with :port; an address with an optional port;
// "host"; "outside" (or, as a source, outside=ADDRESS[@INTERFACE]: a sender arriving on the
// host's route towards it, or on the interface given). A /udp suffix picks UDP.
import { canonicalIp, parseIp } from '../../api/ip.js';
import type { Dest, Source } from './endpoints.js';
import type { Proto } from './nft/packet.js';
import type { AttachmentInfo, ObjectIndex, SandboxInfo } from './world.js';

export class ResolveError extends Error {}

/** Documentation address (RFC 5737) standing for "somewhere on the internet". */
export const OUTSIDE_DEST = '203.0.113.1';

function splitProto(arg: string): { rest: string; proto?: Proto } {
  const m = /^(.*)\/(tcp|udp|sctp)$/.exec(arg);
  return m ? { rest: m[1]!, proto: m[2] as Proto } : { rest: arg };
}

function splitPort(arg: string): { name: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(arg);
  if (v6) return { name: v6[1]!, ...(v6[2] ? { port: port(v6[2]) } : {}) };
  if (parseIp(arg)?.family === 6) return { name: arg };
  const m = /^(.*):(\d+)$/.exec(arg);
  return m ? { name: m[1]!, port: port(m[2]!) } : { name: arg };
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ResolveError(`port ${text} is not 1-65535`);
  return n;
}

function candidates(name: string): { sandbox: string[]; attachment: string[] } {
  const parts = name.split('/');
  if (parts.length === 3) {
    const [kind, ns, n] = parts as [string, string, string];
    const k = kind.toLowerCase();
    return { sandbox: k === 'sandbox' ? [`Sandbox/${ns}/${n}`] : [], attachment: k === 'attachment' ? [`Attachment/${ns}/${n}`] : [] };
  }
  if (parts.length === 2) {
    const [a, b] = parts as [string, string];
    if (a.toLowerCase() === 'sandbox') return { sandbox: [`Sandbox/default/${b}`], attachment: [] };
    if (a.toLowerCase() === 'attachment') return { sandbox: [], attachment: [`Attachment/default/${b}`] };
    return { sandbox: [`Sandbox/${a}/${b}`], attachment: [`Attachment/${a}/${b}`] };
  }
  return { sandbox: [`Sandbox/default/${name}`], attachment: [`Attachment/default/${name}`] };
}

function findObject(objects: ObjectIndex, name: string): { sandbox: SandboxInfo; attachment?: AttachmentInfo } | undefined {
  const c = candidates(name);
  const sb = objects.sandboxes.find((s) => c.sandbox.includes(s.key));
  if (sb) return { sandbox: sb };
  const att = objects.attachments.find((a) => c.attachment.includes(a.key));
  const owner = att && objects.sandboxes.find((s) => s.key === att.sandboxKey);
  return att && owner ? { sandbox: owner, attachment: att } : undefined;
}

export function resolveSource(arg: string, objects: ObjectIndex): Source {
  if (arg === 'host') return { kind: 'host', label: 'host' };
  if (arg === 'outside') return { kind: 'outside', label: 'outside' };
  const out = /^outside=([^@]+)(?:@([A-Za-z0-9_.-]{1,15}))?$/.exec(arg);
  if (out) {
    const addr = canonicalIp(out[1]!);
    if (!addr) throw new ResolveError(`${out[1]} is not an IP address`);
    return { kind: 'outside', label: `outside (${addr}${out[2] ? ` via ${out[2]}` : ''})`, addr, ...(out[2] ? { iface: out[2] } : {}) };
  }
  const o = findObject(objects, arg);
  if (!o) throw new ResolveError(`no sandbox or attachment named ${arg} on this node (see nodenet status)`);
  return { kind: 'sandbox', label: o.attachment ? `${o.sandbox.name} (${o.attachment.key})` : o.sandbox.name, sandbox: o.sandbox, ...(o.attachment ? { attachment: o.attachment } : {}) };
}

/** The attachment of a sandbox to aim at: one on a network the source shares, else the first. */
function pickAttachment(objects: ObjectIndex, sandboxKey: string, src: Source, family: 4 | 6): AttachmentInfo | undefined {
  const mine = objects.attachments.filter((a) => a.sandboxKey === sandboxKey && (family === 4 ? a.ipv4 : a.ipv6)).sort((a, b) => a.key.localeCompare(b.key));
  const srcNets = src.kind === 'sandbox' ? new Set(objects.attachments.filter((a) => a.sandboxKey === src.sandbox.key).map((a) => a.network)) : new Set<string>();
  return mine.find((a) => srcNets.has(a.network)) ?? mine[0];
}

export function resolveDest(arg: string, objects: ObjectIndex, src: Source): Dest {
  const { rest, proto: given } = splitProto(arg);
  const { name, port: p } = splitPort(rest);
  const proto: Proto = given ?? (p !== undefined ? 'tcp' : 'icmp');
  const ports = p !== undefined ? { port: p } : {};
  const suffix = p !== undefined ? `:${p}/${proto}` : '';
  if (name === 'outside') return { label: `outside (${OUTSIDE_DEST}${suffix})`, family: 4, addr: OUTSIDE_DEST, proto, ...ports };
  const ip = parseIp(name);
  if (ip) {
    const addr = canonicalIp(name)!;
    const fixed: Proto = ip.family === 6 && proto === 'icmp' ? 'icmpv6' : proto;
    const holder = objects.attachments.find((a) => a.ipv4 === addr || a.ipv6 === addr);
    return { label: `${addr}${suffix}${holder ? ` (${holder.key})` : ''}`, family: ip.family, addr, proto: fixed, ...ports };
  }
  const o = findObject(objects, name);
  if (!o) throw new ResolveError(`no sandbox or attachment named ${name} on this node, and it is not an address`);
  const att = o.attachment ?? pickAttachment(objects, o.sandbox.key, src, 4) ?? pickAttachment(objects, o.sandbox.key, src, 6);
  const addr = att?.ipv4 ?? att?.ipv6;
  if (!att || !addr) throw new ResolveError(`${name} has no address on this node`);
  const family = att.ipv4 ? 4 : 6;
  return { label: `${o.sandbox.name} ${addr}${suffix} (${att.key})`, family, addr, proto: family === 6 && proto === 'icmp' ? 'icmpv6' : proto, ...ports };
}
