// Semantic checks of an Attachment that passed the schema: the TS twins of the CEL rules in
// schema-attachment.ts, then address sanity and port collisions inside the one object.
// Checks against the Network (address inside its subnet, ...) live in cross-object.ts.
import type { Attachment, PortMapping } from './types.js';
import { LIMITS as L } from './limits.js';
import type { PathSegment } from './paths.js';
import { Errors, notUnicast } from './semantic-common.js';
import { RESERVED_IFNAMES } from './patterns.js';
import { INTERFACE_RESERVED } from './schema-attachment.js';
import { describeSpan, spanOf, spansOverlap } from './ports.js';
import { isMulticast, type IpFamily } from '../ip.js';

// ------------------------------------------------------------ CEL twins
function interfaceNotReserved(errs: Errors, a: Attachment): void {
  const name = a.spec.interface;
  if (name !== undefined && (RESERVED_IFNAMES as readonly string[]).includes(name)) errs.add(['spec', 'interface'], INTERFACE_RESERVED);
}

function macNotZero(errs: Errors, a: Attachment): void {
  if (a.spec.macAddress === '00:00:00:00:00:00') errs.add(['spec', 'macAddress'], 'macAddress must not be all zeros');
}

function hostRangeOrdered(errs: Errors, at: PathSegment[], p: PortMapping): void {
  if (p.hostPortEnd !== undefined && p.hostPortEnd < p.hostPort) errs.add([...at, 'hostPortEnd'], 'hostPortEnd must be >= hostPort');
}

function containerRangeOrdered(errs: Errors, at: PathSegment[], p: PortMapping): void {
  if (p.containerPortEnd !== undefined && p.containerPortEnd < p.containerPort) {
    errs.add([...at, 'containerPortEnd'], 'containerPortEnd must be >= containerPort');
  }
}

function rangeLengthsEqual(errs: Errors, at: PathSegment[], p: PortMapping): void {
  const host = p.hostPortEnd !== undefined ? p.hostPortEnd - p.hostPort : 0;
  const container = p.containerPortEnd !== undefined ? p.containerPortEnd - p.containerPort : 0;
  if (host !== container) errs.add(at, 'host and container port ranges must have the same length');
}

function rangeNotTooLong(errs: Errors, at: PathSegment[], p: PortMapping): void {
  if (p.hostPortEnd !== undefined && p.hostPortEnd - p.hostPort >= L.portRangeMax) {
    errs.add([...at, 'hostPortEnd'], `a port range may span at most ${L.portRangeMax} ports`);
  }
}

// ------------------------------------------------------------ beyond CEL
function staticAddress(errs: Errors, a: Attachment, family: IpFamily): void {
  const field = family === 4 ? 'ipv4Address' : 'ipv6Address';
  const text = a.spec[field];
  if (text === undefined) return;
  const ip = errs.ip(['spec', field], text, family);
  const why = ip && notUnicast(ip);
  if (why) errs.add(['spec', field], `${text} is ${why}; use a unicast address inside the network's subnet`);
}

function checkPorts(errs: Errors, ports: readonly PortMapping[]): void {
  let total = 0;
  ports.forEach((p, i) => {
    const at: PathSegment[] = ['spec', 'ports', i];
    hostRangeOrdered(errs, at, p);
    containerRangeOrdered(errs, at, p);
    rangeLengthsEqual(errs, at, p);
    rangeNotTooLong(errs, at, p);
    total += Math.max(1, (p.hostPortEnd ?? p.hostPort) - p.hostPort + 1);
    if (p.hostIP !== undefined) {
      const ip = errs.ip([...at, 'hostIP'], p.hostIP);
      if (ip && (isMulticast(ip) || (ip.family === 4 && ip.value === 0xffffffffn))) {
        errs.add([...at, 'hostIP'], `${p.hostIP} is not a host address: use 0.0.0.0, :: or one of the node's unicast addresses`);
      }
    }
    const mine = spanOf(p);
    const clash = ports.slice(0, i).findIndex((q) => spansOverlap(spanOf(q), mine));
    if (clash >= 0) {
      errs.add([...at, 'hostPort'], `host port ${describeSpan(mine)} overlaps spec.ports[${clash}] (${describeSpan(spanOf(ports[clash]!))})`);
    }
  });
  if (total > L.expandedPortsMax) errs.add(['spec', 'ports'], `publishes ${total} ports; at most ${L.expandedPortsMax} per attachment`);
}

export function checkAttachment(a: Attachment): Errors {
  const errs = new Errors();
  interfaceNotReserved(errs, a);
  macNotZero(errs, a);
  errs.unique(['spec', 'aliases'], a.spec.aliases, (x) => x);
  staticAddress(errs, a, 4);
  staticAddress(errs, a, 6);
  checkPorts(errs, a.spec.ports ?? []);
  return errs;
}
