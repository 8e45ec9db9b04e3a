// The printed table: one row per figure, with the baseline, the ratio, the target and whether
// it is met. Plain fixed-width text, so it can be pasted into a README or a report.
export interface Row {
  figure: string;
  nodenet: string;
  baseline?: string;
  ratio?: string;
  target?: string;
  /** undefined: informational (no target). */
  met?: boolean;
}

export function ms(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(digits)} ms`;
}

export function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '-' : `${(a / b).toFixed(2)}x`;
}

export function renderTable(rows: readonly Row[]): string {
  const head: Row = { figure: 'figure', nodenet: 'nodenet', baseline: 'baseline', ratio: 'ratio', target: 'target', met: undefined };
  const cells = (r: Row, isHead = false): string[] => [
    r.figure,
    r.nodenet,
    r.baseline ?? '',
    r.ratio ?? '',
    r.target ?? '',
    isHead ? 'met' : r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ];
  const all = [cells(head, true), ...rows.map((r) => cells(r))];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join(' | ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(all[0]!), sep, ...all.slice(1).map(line)].join('\n');
}
