// explain's text output: the verdict first (what a person wants), then the hops and notes.
import type { Explanation } from './trace.js';

const MARK = { true: 'ok', false: 'BLOCKED', undefined: '??' } as const;

export function renderExplanation(e: Explanation): string {
  const lines = [`${e.from} -> ${e.to}`, `${e.verdict}: ${e.reason}${e.decidedBy && !e.reason.includes(e.decidedBy) ? ` (${e.decidedBy})` : ''}`, ''];
  e.hops.forEach((h, i) => lines.push(`  ${String(i + 1).padStart(2)}. [${MARK[String(h.ok) as 'true' | 'false' | 'undefined'].padEnd(7)}] ${h.at}: ${h.text}`));
  if (e.notes.length) lines.push('', ...e.notes.map((n) => `  note: ${n}`));
  return lines.join('\n');
}
