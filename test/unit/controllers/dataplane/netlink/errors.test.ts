import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAck, NetlinkError, strerror } from '../../../../../controllers/dataplane/netlink/errors.js';
import { attr, attrStr, attrU32 } from '../../../../../controllers/dataplane/netlink/attrs.js';
import { encodeMessage, parseMessages } from '../../../../../controllers/dataplane/netlink/message.js';
import * as c from '../../../../../controllers/dataplane/netlink/constants.js';

function errorMsg(code: number, flags: number, echoed: Buffer, tlvs: Buffer[] = []): ReturnType<typeof parseMessages>[0] {
  const e = Buffer.alloc(4);
  e.writeInt32LE(code);
  return parseMessages(encodeMessage({ type: c.NLMSG_ERROR, flags, seq: 42 }, [e, echoed, ...tlvs]))[0]!;
}

const request = encodeMessage({ type: c.RTM_NEWROUTE, flags: 0x605, seq: 42 }, [Buffer.alloc(12), attrU32(c.RTA_TABLE, 254)]);

test('a plain ACK is errno 0', () => {
  assert.deepEqual(decodeAck(errorMsg(0, c.NLM_F_CAPPED, request.subarray(0, 16))), { errno: 0, seq: 42 });
});

test('a capped error with extended ACK gives errno, message and offset', () => {
  const m = errorMsg(-101, c.NLM_F_CAPPED | c.NLM_F_ACK_TLVS, request.subarray(0, 16), [attrStr(c.NLMSGERR_ATTR_MSG, 'Nexthop has invalid gateway'), attrU32(c.NLMSGERR_ATTR_OFFS, 32)]);
  const ack = decodeAck(m);
  assert.deepEqual(ack, { errno: 101, seq: 42, extack: 'Nexthop has invalid gateway', offset: 32 });
  const err = new NetlinkError(ack.errno, ack.extack, ack.offset);
  assert.equal(err.message, 'RTNETLINK answers: Network is unreachable (extack: Nexthop has invalid gateway)');
});

test('an uncapped error skips the whole echoed request before the TLVs', () => {
  const m = errorMsg(-17, c.NLM_F_ACK_TLVS, request, [attrStr(c.NLMSGERR_ATTR_MSG, 'exists')]);
  assert.deepEqual(decodeAck(m), { errno: 17, seq: 42, extack: 'exists' });
});

test('without ACK TLVs the echoed bytes are never read as attributes', () => {
  const lookalike = Buffer.concat([request.subarray(0, 16), attr(c.NLMSGERR_ATTR_MSG, Buffer.from('junk\0'))]);
  assert.deepEqual(decodeAck(errorMsg(-22, 0, lookalike)), { errno: 22, seq: 42 });
});

test('NLMSG_DONE carries only an int (and TLVs) when a dump fails', () => {
  const e = Buffer.alloc(4);
  e.writeInt32LE(-2);
  const m = parseMessages(encodeMessage({ type: c.NLMSG_DONE, flags: c.NLM_F_MULTI | c.NLM_F_ACK_TLVS, seq: 9 }, [e, attrStr(c.NLMSGERR_ATTR_MSG, 'ipv4: FIB table does not exist')]))[0]!;
  assert.deepEqual(decodeAck(m, false), { errno: 2, seq: 9, extack: 'ipv4: FIB table does not exist' });
});

test('errno texts are the ones ip(8) prints', () => {
  assert.equal(new NetlinkError(17, undefined).message, 'RTNETLINK answers: File exists');
  assert.equal(strerror(19), 'No such device');
  assert.equal(strerror(95), 'Operation not supported');
  assert.equal(strerror(100000), 'errno 100000');
});
