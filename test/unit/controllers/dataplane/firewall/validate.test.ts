// Nothing user-controlled reaches nft text unvalidated: names, addresses, ports, protocols.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createNftFirewall, FirewallModelError, validateModel } from '../../../../../controllers/dataplane/firewall/index.js';
import type { FwModel, FwNetwork, FwPort } from '../../../../../controllers/dataplane/firewall/types.js';
import { network, port } from './models.js';

const fw = createNftFirewall();

function withNetwork(over: Partial<FwNetwork>): FwModel {
  return { networks: [network('a', ['10.1.0.0/24'], over)], ports: [] };
}

function withPort(over: Partial<FwPort>): FwModel {
  return { networks: [network('a', ['10.1.0.0/24', 'fd00:1::/64'])], ports: [port('nn-a', 8080, '10.1.0.2', over)] };
}

function refused(model: FwModel, pattern: RegExp): void {
  assert.throws(() => fw.render(model), (err: unknown) => {
    assert.ok(err instanceof FirewallModelError, `expected FirewallModelError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('firewall model validation', () => {
  it('refuses bridge names that would inject nft syntax', () => {
    for (const bridge of ['nn-a"; flush ruleset', 'nn-a\nflush ruleset', 'nn a', 'nn-a}', '"nn-a"', 'nn-a;', 'nn/a', '', '-nn', 'nn-abcdefghijklm', 'nn-ä']) {
      refused(withNetwork({ bridge }), /bridge name .* is not a valid interface name/);
    }
  });

  it('shows control characters in refusals instead of printing them', () => {
    refused(withNetwork({ bridge: 'nn-a\nflush ruleset' }), /"nn-a\\nflush ruleset"/);
  });

  it('refuses subnets that are not clean CIDRs', () => {
    for (const s of ['10.1.0.1/24', '10.1.0.0/33', '10.1.0.0', 'abc', '10.1.0.0/24; flush ruleset', '10.1.0.0/24\n', '010.1.0.0/24', 'fd00::/129']) {
      refused(withNetwork({ subnets: [s] }), /subnet .* is not a CIDR/);
    }
  });

  it('refuses host and container addresses that do not parse', () => {
    for (const hostIP of ['1.2.3.4\n', '1.2.3.4 . tcp', '256.1.1.1', 'localhost', '::ffff:1.2.3.4', 'fe80::1%eth0']) {
      refused(withPort({ hostIP }), /hostIP .* is not an IP address/);
    }
    refused(withPort({ containerIP: '10.1.0.300' }), /containerIP .* is not an IP address/);
    refused(withPort({ containerIP: '10.1.0.2 : 1.2.3.4' }), /containerIP .* is not an IP address/);
  });

  it('refuses ports that are not integers 1-65535 and protocols outside the enum', () => {
    for (const hostPort of [0, 65536, 1.5, -1, NaN, '80' as unknown as number]) refused(withPort({ hostPort }), /hostPort must be an integer 1-65535/);
    refused(withPort({ containerPort: 70000 }), /containerPort .* must be an integer/);
    refused(withPort({ protocol: 'icmp' as 'tcp' }), /protocol must be one of tcp, udp, sctp/);
    refused(withPort({ protocol: 'tcp . 1 : 2' as 'tcp' }), /protocol must be one of/);
  });

  it('refuses mappings that cannot work: mixed families, unknown bridge, target outside the subnet', () => {
    refused(withPort({ hostIP: '::' }), /different families/);
    refused(withPort({ bridge: 'nn-zz' }), /bridge "nn-zz" is not a network of the model/);
    refused(withPort({ containerIP: '10.2.0.2' }), /containerIP "10\.2\.0\.2" is not in a subnet of bridge "nn-a"/);
  });

  it('refuses one host port mapped to two targets, and two networks on one bridge', () => {
    const m = withPort({});
    m.ports.push(port('nn-a', 8080, '10.1.0.3'));
    refused(m, /host port 0\.0\.0\.0 8080\/tcp is mapped twice/);
    const n: FwModel = { networks: [network('a', ['10.1.0.0/24']), { ...network('b', ['10.2.0.0/24']), bridge: 'nn-a' }], ports: [] };
    refused(n, /bridge "nn-a" is used by another network/);
  });

  it('reports every problem of a model at once', () => {
    const m: FwModel = { networks: [network('a', ['10.1.0.1/24'], { bridge: 'x y' })], ports: [port('nn-q', 0, 'nope')] };
    assert.throws(() => validateModel(m), (err: unknown) => err instanceof FirewallModelError && err.problems.length >= 4);
  });

  it('canonicalizes addresses and accepts duplicates of one mapping', () => {
    const m = withPort({ hostIP: '0.0.0.0' });
    m.ports.push(port('nn-a', 8080, '10.1.0.2'), port('nn-a', 8081, 'fd00:1:0:0::2', { hostIP: 'fd00:0::7' }));
    const v = validateModel(m);
    assert.equal(v.ports.length, 2);
    assert.deepEqual(v.ports[1], { owner: 'default/nn-a-8081', family: 6, bridge: 'nn-a', hostIP: 'fd00::7', hostPort: 8081, protocol: 'tcp', containerIP: 'fd00:1::2', containerPort: 80 });
  });

  it('does not program mappings into internal networks', () => {
    const m: FwModel = { networks: [network('a', ['10.1.0.0/24'], { internal: true })], ports: [port('nn-a', 8080, '10.1.0.2')] };
    assert.deepEqual(validateModel(m).ports, []);
  });

  it('property: a bridge name is either refused or made only of the safe charset', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (bridge) => {
        try {
          const text = fw.render(withNetwork({ bridge }));
          return /^[A-Za-z0-9_.-]{1,15}$/.test(bridge) && text.includes(`"${bridge}"`);
        } catch (err) {
          return err instanceof FirewallModelError;
        }
      }),
      { numRuns: 500 },
    );
  });
});
