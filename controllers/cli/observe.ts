// `nodenet run` options for what the agent observes beside converging: connectivity probes per
// attachment and the host checks behind the node's HostCompatible condition.
import type { ParseArgsConfig } from 'node:util';
import type { Agent } from '../agent/agent.js';
import { HostChecker } from '../hostcheck/checker.js';
import { validNodeName } from '../hostcheck/node-status.js';
import { log } from '../lib/log.js';
import { CHECKS, type CheckName } from '../probes/plan.js';
import { ProbeRunner } from '../probes/runner.js';
import { UsageError, parseCount, parseDuration } from './options.js';

export const OBSERVE_OPTIONS = {
  probes: { type: 'string', default: 'off' },
  'probe-interval': { type: 'string', default: '60s' },
  'probe-timeout': { type: 'string', default: '1s' },
  'probe-concurrency': { type: 'string', default: '4' },
  'host-check-interval': { type: 'string', default: '30s' },
} as const satisfies ParseArgsConfig['options'];

export const OBSERVE_HELP = `  --probes LIST          connectivity probes for every attachment, run from inside its sandbox after it
                         converges: gateway (ICMP to the gateway), dns (the sandbox's declared nameservers
                         answer), ports (each published TCP port from the host and via hairpin); "all",
                         or "off" (default). Results are the conditions GatewayReachable, DnsReachable,
                         PortsReachable
  --probe-interval DUR   re-run probes this often (default 60s); they also run when an attachment changes
  --probe-timeout DUR    per check (default 1s)
  --probe-concurrency N  attachments probed at once, node-wide (default 4; each starts at most 2 processes)
  --host-check-interval DUR  check the host for settings that break container networking (condition
                         HostCompatible in <state-dir>/status/Node/<node>.json); 0 = off (default 30s)`;

export interface ObserveConfig {
  checks: Set<CheckName>;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  probeConcurrency: number;
  hostCheckIntervalMs: number;
}

export function parseObserve(values: Record<keyof typeof OBSERVE_OPTIONS, string>): ObserveConfig {
  const list = values.probes.trim();
  const names = list === 'off' || list === '' ? [] : list === 'all' ? [...CHECKS] : list.split(',').map((s) => s.trim());
  for (const n of names) if (!CHECKS.includes(n as CheckName)) throw new UsageError(`--probes: unknown check ${JSON.stringify(n)} (gateway, dns, ports, all, off)`);
  const timeout = parseDuration('probe-timeout', values['probe-timeout']);
  if (timeout < 1 || timeout > 30_000) throw new UsageError('--probe-timeout: expected 1ms to 30s');
  return {
    checks: new Set(names as CheckName[]),
    probeIntervalMs: parseDuration('probe-interval', values['probe-interval']),
    probeTimeoutMs: timeout,
    probeConcurrency: parseCount('probe-concurrency', values['probe-concurrency'], 1, 64),
    hostCheckIntervalMs: parseDuration('host-check-interval', values['host-check-interval']),
  };
}

export interface Observers {
  stop(): Promise<void>;
}

/** Starts probes and host checks on a started agent. */
export function startObservers(agent: Agent, cfg: ObserveConfig): Observers {
  const { config } = agent.ctx;
  let probes: ProbeRunner | undefined;
  if (cfg.checks.size > 0) {
    probes = new ProbeRunner({
      checks: cfg.checks,
      intervalMs: cfg.probeIntervalMs,
      timeoutMs: cfg.probeTimeoutMs,
      concurrency: cfg.probeConcurrency,
      maxPorts: 16,
      status: agent.status,
      store: agent.store,
      ledger: agent.ledger,
      registry: agent.metrics.registry,
    });
    probes.start();
  }
  let checker: HostChecker | undefined;
  if (cfg.hostCheckIntervalMs > 0) {
    if (!validNodeName(config.nodeName)) log.warn('host checks off: the node name is not a DNS-1123 subdomain', { node: config.nodeName });
    else {
      checker = new HostChecker({
        stateDir: config.stateDir,
        node: config.nodeName,
        intervalMs: cfg.hostCheckIntervalMs,
        dp: agent.ctx.dp,
        model: () => agent.ctx.firewall.currentModel(),
        registry: agent.metrics.registry,
      });
      agent.status.onChange((key) => {
        if (key.startsWith('Network/')) checker!.trigger();
      });
      checker.start();
    }
  }
  return {
    stop: async () => {
      await probes?.stop();
      await checker?.stop();
    },
  };
}
