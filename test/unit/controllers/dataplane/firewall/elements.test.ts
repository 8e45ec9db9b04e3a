// Reading elements back from nft JSON: canonical text, and refusal of anything we could not have written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseElement } from '../../../../../controllers/dataplane/firewall/elements.js';
import { parseTableJson } from '../../../../../controllers/dataplane/firewall/kernel.js';

describe('firewall kernel elements', () => {
  it('reads set and map elements as the canonical text the planner writes', () => {
    assert.deepEqual(parseElement('nn-a', ['ifname'], undefined), { key: '"nn-a"', value: '' });
    assert.deepEqual(parseElement([{ concat: ['tcp', 8080] }, { concat: ['10.1.0.2', 80] }], ['inet_proto', 'inet_service'], ['ipv4_addr', 'inet_service']), {
      key: 'tcp . 8080',
      value: '10.1.0.2 . 80',
    });
    assert.deepEqual(parseElement({ concat: ['fd00:0:0::2', 17, '53'] }, ['ipv6_addr', 'inet_proto', 'inet_service'], undefined), { key: 'fd00::2 . udp . 53', value: '' });
    assert.deepEqual(parseElement({ elem: { val: 'nn-b', comment: 'x' } }, ['ifname'], undefined), { key: '"nn-b"', value: '' });
  });

  it('refuses elements it could not safely write back into a delete command', () => {
    assert.equal(parseElement('nn-a"; flush ruleset', ['ifname'], undefined), undefined);
    assert.equal(parseElement('nn-a\n', ['ifname'], undefined), undefined);
    assert.equal(parseElement({ concat: ['icmp', 1] }, ['inet_proto', 'inet_service'], undefined), undefined);
    assert.equal(parseElement({ concat: ['10.1.0.2', 'tcp'] }, ['ipv4_addr', 'inet_proto', 'inet_service'], undefined), undefined);
    assert.equal(parseElement({ concat: ['fd00::1', 'tcp', 1] }, ['ipv4_addr', 'inet_proto', 'inet_service'], undefined), undefined);
    assert.equal(parseElement([{ concat: ['tcp', 70000] }, { concat: ['10.1.0.2', 80] }], ['inet_proto', 'inet_service'], ['ipv4_addr', 'inet_service']), undefined);
  });

  it('parses a listing: chains with rule ids, sets with elements, foreign objects', () => {
    const listing = {
      nftables: [
        { metainfo: { version: '1.0.6' } },
        { table: { family: 'inet', name: 'nodenet' } },
        { set: { name: 'bridges', type: 'ifname', elem: ['nn-a', 'bad"name'] } },
        { map: { name: 'dnat4_any', type: ['inet_proto', 'inet_service'], map: 'ipv4_addr . inet_service', elem: [[{ concat: ['tcp', 1] }, { concat: ['10.0.0.1', 2] }]] } },
        { chain: { name: 'filter_forward', type: 'filter', hook: 'forward', prio: 0, policy: 'accept' } },
        { chain: { name: 'into_nn-a' } },
        { rule: { chain: 'filter_forward', comment: 'nodenet:abc', expr: [] } },
        { rule: { chain: 'filter_forward', expr: [] } },
        { counter: { name: 'c1' } },
      ],
    };
    const t = parseTableJson(JSON.stringify(listing));
    assert.deepEqual(t.chains.get('filter_forward'), { name: 'filter_forward', base: { type: 'filter', hook: 'forward', prio: 0, policy: 'accept' }, ruleIds: ['nodenet:abc', undefined] });
    assert.deepEqual(t.chains.get('into_nn-a'), { name: 'into_nn-a', ruleIds: [] });
    assert.equal(t.sets.get('bridges')!.elements, undefined, 'an unreadable element marks the whole set');
    assert.deepEqual([...t.sets.get('dnat4_any')!.elements!], [['tcp . 1', '10.0.0.1 . 2']]);
    assert.deepEqual(t.sets.get('dnat4_any')!.valueType, ['ipv4_addr', 'inet_service']);
    assert.deepEqual(t.foreign, ['counter c1']);
  });
});
