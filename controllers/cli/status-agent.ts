// The agent's own lines in `nodenet status`: problems it has now (the state dir is full...) and
// notices an operator should see (the state was rebuilt from the kernel...).
import type { HealthDoc } from '../state/health.js';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function agentHealthLines(doc: HealthDoc | undefined): string[] {
  if (!doc) return [];
  const lines: string[] = [];
  const state = running(doc.pid) ? `running (pid ${doc.pid}, since ${doc.startedAt})` : `not running (last pid ${doc.pid}, last report ${doc.updatedAt})`;
  if (doc.problems.length || doc.notices.length) lines.push(`Agent: ${state}`);
  for (const p of doc.problems) lines.push(`  PROBLEM ${p.reason} since ${p.since}: ${p.message}`);
  for (const n of doc.notices) lines.push(`  NOTICE ${n.reason} at ${n.since}: ${n.message}`);
  if (lines.length) lines.push('');
  return lines;
}
