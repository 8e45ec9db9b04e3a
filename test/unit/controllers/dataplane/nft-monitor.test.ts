// nftables notifications folded into transactions, each with the process that committed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NftDecoder, describeChange } from '../../../../controllers/dataplane/nft-monitor.js';
import { attr, attrStr } from '../../../../controllers/dataplane/netlink/attrs.js';
import type { NlMsg } from '../../../../controllers/dataplane/netlink/message.js';

const SUBSYS = 10 << 8;

function msg(type: number, family: number, attrs: Buffer[]): NlMsg {
  return { type: SUBSYS | type, flags: 0, seq: 0, pid: 0, payload: Buffer.concat([Buffer.from([family, 0, 0, 0]), ...attrs]) };
}

function be32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}

test('changes accumulate until NEWGEN, which names the committing process', () => {
  const d = new NftDecoder();
  assert.equal(d.push(msg(8, 1, [attrStr(1, 'nodenet'), attrStr(2, 'nat_postrouting')])), undefined);
  assert.equal(d.push(msg(2, 1, [attrStr(1, 'nodenet')])), undefined);
  assert.equal(d.push(msg(14, 2, [attrStr(1, 'filter'), attrStr(2, 'docker_set')])), undefined);
  const tx = d.push(msg(15, 0, [attr(1, be32(77)), attr(2, be32(4242)), attrStr(3, 'nft')]));
  assert.ok(tx);
  assert.equal(tx.pid, 4242);
  assert.equal(tx.procName, 'nft');
  assert.deepEqual(tx.changes.map(describeChange), ['delete rule inet nodenet nat_postrouting', 'delete table inet nodenet', 'delete element ip filter docker_set']);
  const next = d.push(msg(15, 0, [attr(2, be32(1))]));
  assert.deepEqual(next?.changes, [], 'the next transaction starts empty');
});

test('messages of other netfilter subsystems are ignored', () => {
  const d = new NftDecoder();
  assert.equal(d.push({ type: (1 << 8) | 0, flags: 0, seq: 0, pid: 0, payload: Buffer.alloc(8) }), undefined);
  assert.deepEqual(d.push(msg(15, 0, []))?.changes, []);
});
