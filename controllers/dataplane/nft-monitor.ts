// nftables change notifications (what `nft monitor` prints), straight from the kernel: a
// NETLINK_NETFILTER socket in the NFNLGRP_NFTABLES group. The kernel sends every change of a
// committed transaction followed by one NEWGEN message naming the process that committed it, so
// a transaction is reported as a whole with its committer's pid and name — which is how the agent
// tells its own `nft -f` runs from someone else's `nft flush table`. No process, no parsing of
// text output, and an overrun is reported instead of silently losing changes.
import { parseAttrs, readStr } from './netlink/attrs.js';
import type { NlMsg } from './netlink/message.js';
import { subscribeNetlink } from './netlink/subscribe.js';

const NETLINK_NETFILTER = 12;
const NFNLGRP_NFTABLES = 7;
const NFNL_SUBSYS_NFTABLES = 10;
const NFGENMSG_LEN = 4;
const NFT_MSG_NEWGEN = 15;
const NFTA_GEN_PROC_PID = 2;
const NFTA_GEN_PROC_NAME = 3;

/** Message type -> verb and object, and the attribute holding the object's own name. */
const VERBS: Readonly<Record<number, { verb: string; object: string; nameAttr?: number }>> = {
  0: { verb: 'add', object: 'table' },
  2: { verb: 'delete', object: 'table' },
  3: { verb: 'add', object: 'chain', nameAttr: 3 },
  5: { verb: 'delete', object: 'chain', nameAttr: 3 },
  6: { verb: 'add', object: 'rule', nameAttr: 2 },
  8: { verb: 'delete', object: 'rule', nameAttr: 2 },
  9: { verb: 'add', object: 'set', nameAttr: 2 },
  11: { verb: 'delete', object: 'set', nameAttr: 2 },
  12: { verb: 'add', object: 'element', nameAttr: 2 },
  14: { verb: 'delete', object: 'element', nameAttr: 2 },
  18: { verb: 'add', object: 'object', nameAttr: 2 },
  20: { verb: 'delete', object: 'object', nameAttr: 2 },
  22: { verb: 'add', object: 'flowtable', nameAttr: 2 },
  24: { verb: 'delete', object: 'flowtable', nameAttr: 2 },
};

const FAMILIES: Readonly<Record<number, string>> = { 1: 'inet', 2: 'ip', 3: 'arp', 5: 'netdev', 7: 'bridge', 10: 'ip6' };

export interface NftChange {
  verb: string;
  object: string;
  family: string;
  table: string;
  /** Chain of a rule, set of an element, name of a chain/set. */
  name?: string;
}

export interface NftTransaction {
  /** Process that committed it (NFTA_GEN_PROC_PID), 0 if the kernel did not say. */
  pid: number;
  procName: string;
  changes: NftChange[];
}

export function describeChange(c: NftChange): string {
  return `${c.verb} ${c.object} ${c.family} ${c.table}${c.name ? ` ${c.name}` : ''}`;
}

/** Folds notifications into transactions: changes accumulate until their NEWGEN. */
export class NftDecoder {
  private pending: NftChange[] = [];

  /** Feeds one message; returns the transaction it completes, if any. */
  push(m: NlMsg): NftTransaction | undefined {
    if (m.type >> 8 !== NFNL_SUBSYS_NFTABLES || m.payload.length < NFGENMSG_LEN) return undefined;
    const msg = m.type & 0xff;
    const attrs = parseAttrs(m.payload, NFGENMSG_LEN);
    if (msg === NFT_MSG_NEWGEN) {
      const pid = attrs.get(NFTA_GEN_PROC_PID);
      const tx: NftTransaction = { pid: pid && pid.length >= 4 ? pid.readUInt32BE(0) : 0, procName: readStr(attrs.get(NFTA_GEN_PROC_NAME)) ?? '', changes: this.pending };
      this.pending = [];
      return tx;
    }
    const v = VERBS[msg];
    if (!v) return undefined;
    const family = FAMILIES[m.payload.readUInt8(0)] ?? `family-${m.payload.readUInt8(0)}`;
    const name = v.nameAttr !== undefined ? readStr(attrs.get(v.nameAttr)) : undefined;
    this.pending.push({ verb: v.verb, object: v.object, family, table: readStr(attrs.get(1)) ?? '', ...(name ? { name } : {}) });
    return undefined;
  }
}

/** Watches nftables changes in the agent's namespace; returns a function that stops watching. */
export function watchNftables(handlers: { onTransaction(tx: NftTransaction): void; onOverflow(): void }): () => void {
  const decoder = new NftDecoder();
  return subscribeNetlink({
    protocol: NETLINK_NETFILTER,
    groups: [NFNLGRP_NFTABLES],
    what: 'nftables changes',
    onMessage: (m) => {
      const tx = decoder.push(m);
      if (tx) handlers.onTransaction(tx);
    },
    onOverflow: () => handlers.onOverflow(),
  });
}
