// Probe metrics, registered beside the agent's: runs and their duration by check and result, and
// how many attachments currently fail each check (the number to alert on).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CHECKS, type CheckName } from './plan.js';

export interface ProbeMetrics {
  runs: Counter<'check' | 'result'>;
  duration: Histogram<'check'>;
  failing: Gauge<'check'>;
}

export function createProbeMetrics(registry: Registry): ProbeMetrics {
  const m: ProbeMetrics = {
    runs: new Counter({ name: 'nodenet_probe_runs_total', help: 'Connectivity probes run, by check (gateway, dns, ports) and result (success, failure).', labelNames: ['check', 'result'], registers: [registry] }),
    duration: new Histogram({
      name: 'nodenet_probe_duration_seconds',
      help: 'Latency one probe measured (ICMP round trip, TCP connect, DNS answer).',
      labelNames: ['check'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    failing: new Gauge({ name: 'nodenet_probe_failing', help: 'Attachments whose last probe of this check failed.', labelNames: ['check'], registers: [registry] }),
  };
  for (const check of CHECKS) {
    for (const result of ['success', 'failure']) m.runs.inc({ check, result }, 0);
    m.failing.set({ check }, 0);
  }
  return m;
}

export function recordProbe(m: ProbeMetrics | undefined, check: CheckName, ok: boolean, ms: number): void {
  if (!m) return;
  m.runs.inc({ check, result: ok ? 'success' : 'failure' });
  if (ok) m.duration.observe({ check }, ms / 1000);
}
