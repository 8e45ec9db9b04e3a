// explain's text output: the verdict first (what a person wants), then the hops and notes.
import type { Explanation } from './trace.js';

const MARK = { true: 'ok', false: 'BLOCKED', undefined: '??' } as const;

export function renderExplanation(e: Explanation): string {
  // A deciding rule or setting is named; where a command shows the evidence, it is offered as "see".
  const by = e.decidedBy && !e.reason.includes(e.decidedBy) ? (/^(ip|bridge) /.test(e.decidedBy) ? ` (see: ${e.decidedBy})` : ` (${e.decidedBy})`) : '';
  const lines = [`${e.from} -> ${e.to}`, `${e.verdict}: ${e.reason}${by}`, ''];
  e.hops.forEach((h, i) => lines.push(`  ${String(i + 1).padStart(2)}. [${MARK[String(h.ok) as 'true' | 'false' | 'undefined'].padEnd(7)}] ${h.at}: ${h.text}`));
  if (e.notes.length) lines.push('', ...e.notes.map((n) => `  note: ${n}`));
  return lines.join('\n');
}
