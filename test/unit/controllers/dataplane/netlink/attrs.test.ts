import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as a from '../../../../../controllers/dataplane/netlink/attrs.js';
import { NLA_F_NESTED } from '../../../../../controllers/dataplane/netlink/constants.js';

test('attributes are length-prefixed and padded to 4 bytes; nla_len excludes the padding', () => {
  const s = a.attrStr(3, 'eth0');
  assert.deepEqual([...s], [9, 0, 3, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0]);
  assert.deepEqual([...a.attrU8(4, 1)], [5, 0, 4, 0, 1, 0, 0, 0]);
  assert.deepEqual([...a.attrBe16(15, 4789)], [6, 0, 15, 0, 0x12, 0xb5, 0, 0], 'ports go in network order');
  assert.deepEqual([...a.attrU16(1, 0x0102)], [6, 0, 1, 0, 2, 1, 0, 0]);
  assert.deepEqual([...a.attrS32(1, -1)], [8, 0, 1, 0, 0xff, 0xff, 0xff, 0xff]);
});

test('nested attributes set NLA_F_NESTED and parse back with the flag masked', () => {
  const nested = a.attrNested(18, [a.attrStr(1, 'veth'), a.attrU32(2, 7)]);
  assert.equal(nested.readUInt16LE(2), 18 | NLA_F_NESTED);
  const outer = a.parseAttrs(nested);
  const inner = a.parseAttrs(outer.get(18)!);
  assert.equal(a.readStr(inner.get(1)), 'veth');
  assert.equal(a.readU32(inner.get(2)), 7);
});

test('round trip: any list of attributes parses back to the same types and payloads', () => {
  const arbAttr = fc.record({ type: fc.integer({ min: 1, max: 0x3fff }), data: fc.uint8Array({ maxLength: 40 }) });
  fc.assert(
    fc.property(fc.array(arbAttr, { maxLength: 12 }), (list) => {
      const buf = Buffer.concat(list.map((x) => a.attr(x.type, Buffer.from(x.data))));
      assert.equal(buf.length % 4, 0);
      const back = a.parseAttrList(buf).map((x) => ({ type: x.type, data: [...x.data] }));
      assert.deepEqual(back, list.map((x) => ({ type: x.type, data: [...x.data] })));
    }),
  );
});

test('integer readers round-trip their writers', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: 0, max: 0xffff }), (u32, s32, u16) => {
      assert.equal(a.readU32(a.parseAttrs(a.attrU32(1, u32)).get(1)), u32);
      assert.equal(a.readS32(a.parseAttrs(a.attrS32(1, s32)).get(1)), s32);
      assert.equal(a.readU16(a.parseAttrs(a.attrU16(1, u16)).get(1)), u16);
      assert.equal(a.readBe16(a.parseAttrs(a.attrBe16(1, u16)).get(1)), u16);
    }),
  );
});

test('a malformed attribute stops parsing instead of reading past the buffer', () => {
  const good = a.attrU32(1, 5);
  const bad = Buffer.from([200, 0, 2, 0, 1, 2, 3, 4]);
  assert.deepEqual(a.parseAttrList(Buffer.concat([good, bad])).map((x) => x.type), [1]);
  assert.deepEqual(a.parseAttrList(Buffer.from([2, 0, 1, 0])), [], 'nla_len below the header size');
  assert.equal(a.readU32(Buffer.alloc(2)), undefined, 'short payloads read as absent');
});
