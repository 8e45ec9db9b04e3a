// The two ends of an explanation.
import type { Proto } from './nft/packet.js';
import type { AttachmentInfo, SandboxInfo } from './world.js';

export type Source =
  | { kind: 'sandbox'; label: string; sandbox: SandboxInfo; attachment?: AttachmentInfo }
  | { kind: 'host'; label: string }
  | { kind: 'outside'; label: string; addr?: string; iface?: string };

export interface Dest {
  label: string;
  family: 4 | 6;
  addr: string;
  port?: number;
  proto: Proto;
}
