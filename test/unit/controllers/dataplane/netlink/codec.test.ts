// RTM_* bodies: what we encode decodes back to the same object (requests and the kernel's replies
// share the layout), and kernel-shaped messages decode to the contract's types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as a from '../../../../../controllers/dataplane/netlink/attrs.js';
import * as c from '../../../../../controllers/dataplane/netlink/constants.js';
import * as link from '../../../../../controllers/dataplane/netlink/link.js';
import { addrBody, decodeAddr, dumpAddrs } from '../../../../../controllers/dataplane/netlink/addr.js';
import { decodeRoute, deleteBody, replaceBody, dumpRoutes } from '../../../../../controllers/dataplane/netlink/route.js';
import { decodeNeigh, fdbBody, neighBody } from '../../../../../controllers/dataplane/netlink/neigh.js';
import { decodeNsid, newNsidBody } from '../../../../../controllers/dataplane/netlink/nsid.js';
import { ipBytes, ipText, macBytes, macText } from '../../../../../controllers/dataplane/netlink/bytes.js';
import { encodeMessage, parseMessages } from '../../../../../controllers/dataplane/netlink/message.js';
import { decodeEvent } from '../../../../../controllers/dataplane/monitor.js';

const cat = (parts: Buffer[]): Buffer => Buffer.concat(parts);

test('addresses and MACs convert both ways in canonical form', () => {
  assert.deepEqual([...ipBytes('10.88.0.1')], [10, 88, 0, 1]);
  assert.equal(ipText(ipBytes('fd00:0:0::1')), 'fd00::1');
  assert.equal(ipText(Buffer.alloc(5)), undefined);
  assert.throws(() => ipBytes('10.0.0.1', 6));
  assert.equal(macText(macBytes('02:42:0A:58:00:0A')), '02:42:0a:58:00:0a');
  assert.throws(() => macBytes('02:42:0a:58:00'));
});

test('a kernel RTM_NEWLINK for a vxlan decodes every field we use', () => {
  const payload = cat([
    link.ifinfomsg({ index: 5, flags: c.IFF_UP | c.IFF_LOWER_UP }),
    a.attrStr(c.IFLA_IFNAME, 'vx0'),
    a.attrU32(c.IFLA_MTU, 1450),
    a.attr(c.IFLA_ADDRESS, macBytes('02:00:00:00:00:01')),
    a.attrU32(c.IFLA_MASTER, 3),
    a.attrStr(c.IFLA_IFALIAS, 'nodenet:network/ov'),
    a.attrU32(c.IFLA_LINK, 7),
    a.attrS32(c.IFLA_LINK_NETNSID, 1),
    link.linkInfo('vxlan', link.vxlanData({ vni: 42, port: 4789, local: '10.0.0.1', dev: 2, learning: false })),
  ]);
  assert.deepEqual(link.decodeLink(payload), {
    index: 5, name: 'vx0', kind: 'vxlan', mtu: 1450, up: true, lowerUp: true, mac: '02:00:00:00:00:01', master: 3,
    alias: 'nodenet:network/ov', link: 7, linkNetnsId: 1, vxlan: { vni: 42, port: 4789, local: '10.0.0.1', dev: 2, learning: false },
  });
});

test('lo-like links: no kind, no master, no alias; an empty alias reads as none', () => {
  const payload = cat([link.ifinfomsg({ index: 1, flags: c.IFF_UP }), a.attrStr(c.IFLA_IFNAME, 'lo'), a.attrU32(c.IFLA_MTU, 65536), a.attrStr(c.IFLA_IFALIAS, '')]);
  const l = link.decodeLink(payload);
  assert.equal(l.kind, undefined);
  assert.equal(l.alias, undefined);
  assert.equal(l.lowerUp, false);
  assert.equal(l.master, undefined);
});

test('veth creation: the peer is a full ifinfomsg + attributes inside VETH_INFO_PEER, with its namespace fd', () => {
  const body = cat([link.ifinfomsg({}), ...link.linkAttrs({ name: 'nnv1', mtu: 1400 }), link.linkInfo('veth', [link.vethPeer({ name: 'eth0', mac: '02:42:0a:58:00:0a', nsFd: 23 })])]);
  const l = link.decodeLink(body);
  assert.deepEqual([l.name, l.mtu, l.kind], ['nnv1', 1400, 'veth']);
  const info = a.parseAttrs(a.parseAttrs(body, link.IFINFOMSG_LEN).get(c.IFLA_LINKINFO)!);
  const peer = a.parseAttrs(info.get(c.IFLA_INFO_DATA)!).get(c.VETH_INFO_PEER)!;
  const peerAttrs = a.parseAttrs(peer, link.IFINFOMSG_LEN);
  assert.equal(a.readStr(peerAttrs.get(c.IFLA_IFNAME)), 'eth0');
  assert.equal(a.readU32(peerAttrs.get(c.IFLA_NET_NS_FD)), 23);
  assert.equal(macText(peerAttrs.get(c.IFLA_ADDRESS)), '02:42:0a:58:00:0a');
});

test('macvlan/ipvlan modes decode to their ip(8) names', () => {
  const mk = (kind: string, data: Buffer): Buffer => cat([link.ifinfomsg({ index: 4 }), a.attrStr(c.IFLA_IFNAME, 'm0'), link.linkInfo(kind, [data])]);
  assert.equal(link.decodeLink(mk('macvlan', a.attrU32(c.IFLA_MACVLAN_MODE, 4))).mode, 'bridge');
  assert.equal(link.decodeLink(mk('ipvlan', a.attrU16(c.IFLA_IPVLAN_MODE, 1))).mode, 'l3');
});

test('hairpin: set over AF_BRIDGE IFLA_PROTINFO, read from PROTINFO or from the slave data of a GETLINK', () => {
  const set = cat(link.setHairpin(9, true));
  assert.equal(set.readUInt8(0), c.AF_BRIDGE);
  assert.deepEqual(link.decodeBridgePort(set), { index: 9, hairpin: true });
  const slave = a.attrNested(c.IFLA_LINKINFO, [a.attrStr(c.IFLA_INFO_KIND, 'veth'), a.attrStr(c.IFLA_INFO_SLAVE_KIND, 'bridge'), a.attrNested(c.IFLA_INFO_SLAVE_DATA, [a.attrU8(c.IFLA_BRPORT_MODE, 0)])]);
  assert.deepEqual(link.decodeBridgePort(cat([link.ifinfomsg({ index: 9 }), slave])), { index: 9, hairpin: false });
  assert.equal(link.decodeBridgePort(cat([link.ifinfomsg({ index: 9 }), link.linkInfo('veth')])), undefined, 'not a port');
});

test('addresses: IFA_LOCAL and IFA_ADDRESS both set, nodad in IFA_FLAGS, round trip', () => {
  const body = cat(addrBody({ index: 3, family: 6, address: 'fd00:88::1', prefixLen: 64, noDad: true }));
  const at = a.parseAttrs(body, 8);
  assert.ok(at.get(c.IFA_LOCAL)!.equals(at.get(c.IFA_ADDRESS)!));
  assert.deepEqual(decodeAddr(body), { index: 3, family: 6, address: 'fd00:88::1', prefixLen: 64, flags: c.IFA_F_NODAD, scope: 0 });
  assert.deepEqual([...cat(dumpAddrs({ index: 3, family: 4 }))], [2, 0, 0, 0, 3, 0, 0, 0], 'the dump filters by family and index');
});

test('routes: replace body decodes back; big table ids go to RTA_TABLE with a compat header', () => {
  const spec = { family: 4 as const, dst: '10.9.0.0/24', gateway: '10.88.0.1', oif: 2, table: 1000, metric: 20, prefsrc: '10.88.0.10' };
  const body = cat(replaceBody(spec));
  assert.equal(body.readUInt8(4), c.RT_TABLE_COMPAT);
  assert.deepEqual(decodeRoute(body), { family: 4, dst: '10.9.0.0/24', table: 1000, protocol: c.RTPROT_STATIC, scope: 0, type: c.RTN_UNICAST, gateway: '10.88.0.1', oif: 2, metric: 20, prefsrc: '10.88.0.10' });
  const dflt = decodeRoute(cat(replaceBody({ family: 6, dst: 'default', oif: 4 })))!;
  assert.deepEqual([dflt.dst, dflt.table, dflt.scope], ['default', 254, 0]);
  assert.equal(decodeRoute(cat(replaceBody({ family: 4, dst: '10.9.0.0/24', oif: 4 })))!.scope, c.RT_SCOPE_LINK, 'no gateway: on-link scope like ip(8)');
  assert.equal(cat(replaceBody({ family: 4, dst: '10.9.0.0/24', gateway: '10.0.0.1', onlink: true })).readUInt32LE(8), c.RTNH_F_ONLINK);
  const del = cat(deleteBody({ family: 4, dst: '10.9.0.0/24', prefsrc: '10.0.0.1' }));
  assert.deepEqual([del.readUInt8(5), del.readUInt8(6), del.readUInt8(7)], [0, c.RT_SCOPE_NOWHERE, 0], 'wildcards for delete');
  assert.equal(a.parseAttrs(del, 12).has(c.RTA_PREFSRC), false);
  assert.equal(a.readU32(a.parseAttrs(cat(dumpRoutes({ family: 6 })), 12).get(c.RTA_TABLE)), 254, 'dumps filter on the main table by default');
  assert.throws(() => replaceBody({ family: 4, dst: '10.9.0.1/24', oif: 1 }), /invalid IPv4 destination/);
});

test('cloned (cache) routes are skipped', () => {
  const body = cat(replaceBody({ family: 6, dst: 'fd00::/64', oif: 2 }));
  body.writeUInt32LE(0x200, 8);
  assert.equal(decodeRoute(body), undefined);
});

test('neighbours and fdb entries round trip', () => {
  assert.deepEqual(decodeNeigh(cat(neighBody({ index: 2, family: 4, dst: '10.0.0.2', mac: '02:00:00:00:00:02' }))), {
    index: 2, family: 4, dst: '10.0.0.2', mac: '02:00:00:00:00:02', state: c.NUD_PERMANENT, flags: 0,
  });
  assert.deepEqual(decodeNeigh(cat(fdbBody({ index: 7, mac: '00:00:00:00:00:00', dst: '192.0.2.1' }))), {
    index: 7, family: 7, dst: '192.0.2.1', mac: '00:00:00:00:00:00', state: c.NUD_NOARP | c.NUD_PERMANENT, flags: c.NTF_SELF,
  });
});

test('namespace ids: allocation request carries the fd and -1; replies decode, NOT_ASSIGNED is none', () => {
  const req = cat(newNsidBody(12));
  const at = a.parseAttrs(req, 4);
  assert.equal(a.readU32(at.get(c.NETNSA_FD)), 12);
  assert.equal(a.readS32(at.get(c.NETNSA_NSID)), -1);
  assert.equal(decodeNsid(cat([Buffer.alloc(4), a.attrS32(c.NETNSA_NSID, 3)])), 3);
  assert.equal(decodeNsid(cat([Buffer.alloc(4), a.attrS32(c.NETNSA_NSID, -1)])), undefined);
});

test('monitor events: link, address and route messages reduce to kind/action/index/nsid', () => {
  const msg = (type: number, parts: Buffer[]): ReturnType<typeof parseMessages>[0] => parseMessages(encodeMessage({ type, flags: 0, seq: 0 }, parts))[0]!;
  assert.deepEqual(decodeEvent(msg(c.RTM_DELLINK, [link.ifinfomsg({ index: 6 }), a.attrStr(c.IFLA_IFNAME, 'nnv1')]), -1), { kind: 'link', action: 'del', nsid: undefined, index: 6, name: 'nnv1' });
  assert.deepEqual(decodeEvent(msg(c.RTM_NEWADDR, addrBody({ index: 2, family: 4, address: '10.0.0.1', prefixLen: 8 })), 4), { kind: 'addr', action: 'new', nsid: 4, index: 2, family: 4 });
  assert.deepEqual(decodeEvent(msg(c.RTM_NEWROUTE, replaceBody({ family: 6, dst: 'default', gateway: 'fd00::1', oif: 9 })), 0), { kind: 'route', action: 'new', nsid: 0, index: 9, family: 6 });
  assert.equal(decodeEvent(msg(c.RTM_NEWNSID, [Buffer.alloc(4)]), -1), undefined);
});
