import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, parseMessages, NLMSG_HDRLEN } from '../../../../../controllers/dataplane/netlink/message.js';
import { attrStr } from '../../../../../controllers/dataplane/netlink/attrs.js';

test('nlmsghdr carries length (unpadded), type, flags, seq and pid', () => {
  const m = encodeMessage({ type: 16, flags: 0x605, seq: 0xdeadbeef, pid: 7 }, [Buffer.from([1, 2, 3])]);
  assert.equal(m.length, 20, 'padded to 4');
  assert.equal(m.readUInt32LE(0), NLMSG_HDRLEN + 3);
  assert.equal(m.readUInt16LE(4), 16);
  assert.equal(m.readUInt16LE(6), 0x605);
  assert.equal(m.readUInt32LE(8), 0xdeadbeef);
  assert.equal(m.readUInt32LE(12), 7);
});

test('several messages in one datagram split back in order with their payloads', () => {
  const a = encodeMessage({ type: 16, flags: 2, seq: 1 }, [Buffer.alloc(16), attrStr(3, 'lo')]);
  const b = encodeMessage({ type: 3, flags: 2, seq: 1 }, [Buffer.from([0, 0, 0, 0])]);
  const msgs = parseMessages(Buffer.concat([a, b]));
  assert.deepEqual(msgs.map((m) => [m.type, m.seq, m.payload.length]), [[16, 1, 16 + 8], [3, 1, 4]]);
});

test('a message claiming more bytes than the datagram has is an error', () => {
  const m = encodeMessage({ type: 16, flags: 0, seq: 1 }, [Buffer.alloc(8)]);
  m.writeUInt32LE(100, 0);
  assert.throws(() => parseMessages(m), /malformed message/);
});
