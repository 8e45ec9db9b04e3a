// Prometheus metrics. Every series exists from start-up at 0, so dashboards and alerts see
// "nothing happened" rather than "no data".
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { KINDS } from '../../api/v1alpha1/types.js';
import { spawnCount } from '../lib/exec.js';

export interface Metrics {
  registry: Registry;
  reconciles: Counter<'kind' | 'result'>;
  reconcileDuration: Histogram<'kind'>;
  queueDepth: Gauge;
  objects: Gauge<'kind' | 'condition' | 'status'>;
  kernelOps: Counter<'op' | 'result'>;
  firewallSyncs: Counter<'result'>;
  firewallChanges: Counter;
  driftRepairs: Counter<'kind'>;
  invalidObjects: Gauge;
  processesSpawned: Counter;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // The event-loop lag histogram samples with a timer at this resolution; prom-client's default
  // (10 ms) wakes an idle agent 100 times a second. Once a second is plenty for a node agent.
  collectDefaultMetrics({ register: registry, prefix: 'nodenet_process_', eventLoopMonitoringPrecision: 1000 });
  const m: Metrics = {
    registry,
    reconciles: new Counter({ name: 'nodenet_reconcile_total', help: 'Reconciles by kind and result (success, error, requeue).', labelNames: ['kind', 'result'], registers: [registry] }),
    reconcileDuration: new Histogram({
      name: 'nodenet_reconcile_duration_seconds',
      help: 'Time one reconcile took.',
      labelNames: ['kind'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: 'nodenet_queue_depth', help: 'Keys waiting or being reconciled.', registers: [registry] }),
    objects: new Gauge({ name: 'nodenet_objects', help: 'Objects by kind and condition status.', labelNames: ['kind', 'condition', 'status'], registers: [registry] }),
    kernelOps: new Counter({ name: 'nodenet_kernel_ops_total', help: 'Kernel changes applied, by operation and result.', labelNames: ['op', 'result'], registers: [registry] }),
    firewallSyncs: new Counter({ name: 'nodenet_firewall_syncs_total', help: 'Firewall syncs by result.', labelNames: ['result'], registers: [registry] }),
    firewallChanges: new Counter({ name: 'nodenet_firewall_changes_total', help: 'nftables rule/element changes applied.', registers: [registry] }),
    driftRepairs: new Counter({ name: 'nodenet_drift_repairs_total', help: 'Out-of-band changes to nodenet-owned state that were repaired.', labelNames: ['kind'], registers: [registry] }),
    invalidObjects: new Gauge({ name: 'nodenet_invalid_objects', help: 'Declared objects rejected by validation.', registers: [registry] }),
    // Read at scrape time from the one module that spawns, so no caller can forget to count.
    processesSpawned: new Counter({
      name: 'nodenet_processes_spawned_total',
      help: 'Processes the agent started (nft, iptables-restore...).',
      registers: [registry],
      collect(this: Counter) {
        this.reset();
        this.inc(spawnCount());
      },
    }),
  };
  for (const kind of KINDS) {
    for (const result of ['success', 'error', 'requeue']) m.reconciles.inc({ kind, result }, 0);
    m.driftRepairs.inc({ kind }, 0);
    for (const status of ['True', 'False']) m.objects.set({ kind, condition: 'Ready', status }, 0);
  }
  for (const result of ['success', 'error']) m.firewallSyncs.inc({ result }, 0);
  m.queueDepth.set(0);
  m.invalidObjects.set(0);
  return m;
}
