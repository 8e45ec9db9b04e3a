// IPv6 in the same table: masquerade of a network's IPv6 subnet and published ports on "::".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createNftFirewall } from '../../../../../controllers/dataplane/firewall/index.js';
import type { FwModel } from '../../../../../controllers/dataplane/firewall/types.js';
import { scratch, type Scratch } from '../../../../helpers/scratch.js';
import { hostSysctls, makeBridge, makeOutside, makeSandbox, Responders, sh, tcpAsk, type Outside } from '../../../../helpers/topology.js';

const MODEL: FwModel = {
  networks: [{ name: 's', bridge: 'nn-s', subnets: ['10.40.0.0/24', 'fd00:40::/64'], internal: false, masquerade: true, icc: true, isolation: true }],
  ports: [{ owner: 'test/web6', bridge: 'nn-s', hostIP: '::', hostPort: 8080, protocol: 'tcp', containerIP: 'fd00:40::2', containerPort: 80 }],
};

describe('firewall with IPv6 traffic', () => {
  let s: Scratch;
  let out: Outside;
  let s1 = '';
  const responders = new Responders();
  const fw = createNftFirewall();

  before(async () => {
    s = await scratch();
    await hostSysctls();
    await sh(null, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1');
    await makeBridge('nn-s', '10.40.0.1/24');
    await sh(null, 'ip', '-6', 'addr', 'add', 'fd00:40::1/64', 'dev', 'nn-s', 'nodad');
    s1 = await makeSandbox(s, { name: 's1', bridge: 'nn-s', cidr: '10.40.0.2/24', gateway: '10.40.0.1', hostIf: 'v-s1' });
    await sh(s1, 'ip', '-6', 'addr', 'add', 'fd00:40::2/64', 'dev', 'eth0', 'nodad');
    await sh(s1, 'ip', '-6', 'route', 'add', 'default', 'via', 'fd00:40::1');
    out = await makeOutside(s);
    await sh(null, 'ip', '-6', 'addr', 'add', 'fd00:50::1/64', 'dev', 'up0', 'nodad');
    await sh(out.path, 'ip', '-6', 'addr', 'add', 'fd00:50::2/64', 'dev', 'eth0', 'nodad');
    await sh(out.path, 'ip', '-6', 'addr', 'add', 'fd00:60::1/128', 'dev', 'lo');
    await sh(out.path, 'ip', '-6', 'route', 'add', 'default', 'via', 'fd00:50::1');
    await sh(null, 'ip', '-6', 'route', 'add', 'fd00:60::/64', 'via', 'fd00:50::2');
    await responders.start(s1, { port: 80, label: 's1' });
    await responders.start(out.path, { port: 9000, label: 'outside' });
    await fw.sync(MODEL);
  });

  after(async () => {
    responders.stopAll();
    await fw.remove();
    await s.cleanup();
  });

  it('masquerades the IPv6 subnet: the outside sees the host address', async () => {
    assert.equal(await tcpAsk(s1, 'fd00:60::1', 9000), 'outside fd00:50::1');
  });

  it('answers a published port on :: from the outside and from the host', async () => {
    assert.equal(await tcpAsk(out.path, 'fd00:50::1', 8080), 's1 fd00:50::2');
    assert.equal(await tcpAsk(null, 'fd00:50::1', 8080), 's1 fd00:50::1');
  });

  it('hairpins over IPv6', async () => {
    assert.equal(await tcpAsk(s1, 'fd00:50::1', 8080), 's1 fd00:40::1');
  });

  it('does not publish the IPv6 mapping on IPv4', async () => {
    assert.equal(await tcpAsk(out.path, out.hostAddr, 8080), undefined);
  });
});
