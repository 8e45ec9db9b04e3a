// Addresses in the binary forms netlink carries: in_addr/in6_addr (network order) and MACs.
import { formatIp, parseIp, type IpFamily } from '../../../api/ip.js';

export function ipBytes(text: string, family?: IpFamily): Buffer {
  const ip = parseIp(text);
  if (!ip || (family !== undefined && ip.family !== family)) throw new Error(`invalid IPv${family ?? ''} address "${text}"`);
  const n = ip.family === 4 ? 4 : 16;
  const out = Buffer.alloc(n);
  let v = ip.value;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Text of a 4- or 16-byte address; undefined for any other length. */
export function ipText(b: Buffer | undefined): string | undefined {
  if (!b || (b.length !== 4 && b.length !== 16)) return undefined;
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  return formatIp(b.length === 4 ? 4 : 6, v);
}

export function macBytes(mac: string): Buffer {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) throw new Error(`invalid MAC address "${mac}"`);
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

/** Lowercase colon form of a hardware address (any length: lo has 6 zero bytes, tunnels differ). */
export function macText(b: Buffer | undefined): string | undefined {
  if (!b || b.length === 0) return undefined;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
