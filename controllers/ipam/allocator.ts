// IPAM over the ledger: allocations are recorded in the ledger (made durable by the caller's
// ledger.commit() before the address reaches the kernel), so the same attachment keeps its
// address across restarts and no address is handed out twice.
import { canonicalIp, parseIp, type IpFamily } from '../../api/ip.js';
import type { Ledger } from '../state/ledger.js';
import { Pool } from './pool.js';

export class IpamError extends Error {
  constructor(
    readonly reason: 'Exhausted' | 'AddressConflict' | 'AddressRefused',
    message: string,
  ) {
    super(message);
    this.name = 'IpamError';
  }
}

export interface EnsureRequest {
  network: string;
  pool: Pool;
  owner: string;
  /** A static address the owner asks for. */
  requested?: string;
  /** Addresses other owners asked for statically: dynamic allocation leaves them free. */
  avoid?: ReadonlySet<string>;
}

type OwnerAddrs = Partial<Record<IpFamily, string>>;

export class Ipam {
  /** network -> owner -> addresses: the reverse of the ledger's allocation tables. */
  private readonly byOwner = new Map<string, Map<string, OwnerAddrs>>();
  /** Next-fit cursors, per network and family, so freed addresses are not reused at once. */
  private readonly cursors = new Map<string, bigint>();

  constructor(private readonly ledger: Ledger) {
    for (const network of ledger.networksWithAllocations()) {
      for (const [address, owner] of Object.entries(ledger.allocations(network))) {
        const ip = parseIp(address);
        if (ip) this.owned(network, owner)[ip.family] = address;
      }
    }
  }

  addressOf(network: string, owner: string, family: IpFamily): string | undefined {
    return this.byOwner.get(network)?.get(owner)?.[family];
  }

  ownerOf(network: string, address: string): string | undefined {
    return this.ledger.allocations(network)[address];
  }

  count(network: string): number {
    return this.ledger.allocationCount(network);
  }

  /** The owner's address in this pool: kept if still valid, moved if a different static one is asked for. */
  ensure(req: EnsureRequest): string {
    const { network, pool, owner } = req;
    const current = this.addressOf(network, owner, pool.family);
    const wanted = req.requested !== undefined ? canonicalIp(req.requested) : undefined;
    if (req.requested !== undefined && !wanted) throw new IpamError('AddressRefused', `${req.requested} is not a valid address`);
    if (current && (wanted === undefined || wanted === current) && !pool.refusal(current)) return current;
    if (wanted !== undefined) return this.claim(req, wanted, current);
    if (current) this.release(network, owner, pool.family);
    const key = `${network}/${pool.family}`;
    const allocations = this.ledger.allocations(network);
    const found = pool.find(this.cursors.get(key), (v) => {
      const text = pool.format(v);
      return allocations[text] !== undefined || (req.avoid?.has(text) ?? false);
    });
    if (found === undefined) throw new IpamError('Exhausted', `no free IPv${pool.family} address left in ${pool.spec.range} of network ${network}`);
    this.cursors.set(key, found + 1n);
    const address = pool.format(found);
    this.record(network, owner, pool.family, address);
    return address;
  }

  release(network: string, owner: string, family?: IpFamily): void {
    const mine = this.byOwner.get(network)?.get(owner);
    if (!mine) return;
    for (const f of family ? [family] : ([4, 6] as const)) {
      const address = mine[f];
      if (address === undefined) continue;
      if (this.ledger.allocations(network)[address] === owner) this.ledger.release(network, address);
      delete mine[f];
    }
    if (mine[4] === undefined && mine[6] === undefined) this.byOwner.get(network)?.delete(owner);
  }

  /** Releases every allocation of a network (the network is gone). */
  releaseNetwork(network: string): void {
    for (const owner of [...(this.byOwner.get(network)?.keys() ?? [])]) this.release(network, owner);
    this.byOwner.delete(network);
  }

  private claim(req: EnsureRequest, wanted: string, current: string | undefined): string {
    const refusal = req.pool.refusal(wanted);
    if (refusal) throw new IpamError('AddressRefused', refusal);
    const holder = this.ownerOf(req.network, wanted);
    if (holder !== undefined && holder !== req.owner) {
      throw new IpamError('AddressConflict', `${wanted} is already allocated to ${holder} on network ${req.network}`);
    }
    if (current && current !== wanted) this.release(req.network, req.owner, req.pool.family);
    this.record(req.network, req.owner, req.pool.family, wanted);
    return wanted;
  }

  private record(network: string, owner: string, family: IpFamily, address: string): void {
    this.ledger.allocate(network, address, owner);
    this.owned(network, owner)[family] = address;
  }

  private owned(network: string, owner: string): OwnerAddrs {
    let m = this.byOwner.get(network);
    if (!m) this.byOwner.set(network, (m = new Map()));
    let o = m.get(owner);
    if (!o) m.set(owner, (o = {}));
    return o;
  }
}
