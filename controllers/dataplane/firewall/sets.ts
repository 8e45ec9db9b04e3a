// Named sets and maps of our table. Everything that changes per port lives here, so adding,
// removing or retargeting a mapping is an element operation and never touches a rule.
import type { NftSet } from './ir.js';
import type { ValidModel, ValidPort } from './validate.js';

export const SET = {
  /** Every bridge we manage. */
  bridges: 'bridges',
  /** Bridges whose networks are isolated from each other. */
  isolated: 'isolated',
  /** proto . host port -> container ip . port, for mappings on every local IPv4 address. */
  dnat4Any: 'dnat4_any',
  /** host ip . proto . host port -> container ip . port, for mappings on one IPv4 address. */
  dnat4Addr: 'dnat4_addr',
  dnat6Any: 'dnat6_any',
  dnat6Addr: 'dnat6_addr',
  /** container ip . proto . container port reachable as a published port (forward accept after DNAT). */
  published4: 'published4',
  published6: 'published6',
} as const;

type SetShape = Omit<NftSet, 'elements'>;

const IFNAME_SET = ['ifname'];
const SHAPES: SetShape[] = [
  { name: SET.bridges, keyType: IFNAME_SET },
  { name: SET.isolated, keyType: IFNAME_SET },
  { name: SET.dnat4Any, keyType: ['inet_proto', 'inet_service'], valueType: ['ipv4_addr', 'inet_service'] },
  { name: SET.dnat4Addr, keyType: ['ipv4_addr', 'inet_proto', 'inet_service'], valueType: ['ipv4_addr', 'inet_service'] },
  { name: SET.dnat6Any, keyType: ['inet_proto', 'inet_service'], valueType: ['ipv6_addr', 'inet_service'] },
  { name: SET.dnat6Addr, keyType: ['ipv6_addr', 'inet_proto', 'inet_service'], valueType: ['ipv6_addr', 'inet_service'] },
  { name: SET.published4, keyType: ['ipv4_addr', 'inet_proto', 'inet_service'] },
  { name: SET.published6, keyType: ['ipv6_addr', 'inet_proto', 'inet_service'] },
];

export function desiredSets(model: ValidModel): NftSet[] {
  const sets = new Map<string, NftSet>(SHAPES.map((s) => [s.name, { ...s, elements: new Map<string, string>() }]));
  const put = (name: string, key: string, value = ''): void => {
    sets.get(name)!.elements.set(key, value);
  };
  for (const n of model.networks) {
    put(SET.bridges, `"${n.bridge}"`);
    if (n.isolation) put(SET.isolated, `"${n.bridge}"`);
  }
  for (const p of model.ports) for (const e of portElements(p)) put(e.set, e.key, e.value);
  return [...sets.values()];
}

export interface PortElement {
  set: string;
  key: string;
  /** Map value text; '' for plain sets. */
  value: string;
}

/** The set elements one published port needs: its DNAT map entry and its forward-accept entry. */
export function portElements(p: ValidPort): PortElement[] {
  const v6 = p.family === 6;
  const target = `${p.containerIP} . ${p.containerPort}`;
  const dnat: PortElement =
    p.hostIP === undefined
      ? { set: v6 ? SET.dnat6Any : SET.dnat4Any, key: `${p.protocol} . ${p.hostPort}`, value: target }
      : { set: v6 ? SET.dnat6Addr : SET.dnat4Addr, key: `${p.hostIP} . ${p.protocol} . ${p.hostPort}`, value: target };
  return [dnat, { set: v6 ? SET.published6 : SET.published4, key: `${p.containerIP} . ${p.protocol} . ${p.containerPort}`, value: '' }];
}
