// Plain-text tables for the CLI: columns sized to content, long cells cut with an ellipsis.
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], maxWidths: readonly number[] = []): string {
  const cut = (s: string, i: number): string => {
    const max = maxWidths[i];
    return max && s.length > max ? s.slice(0, max - 1) + '…' : s;
  };
  const cells = [header, ...rows].map((r) => r.map((c, i) => cut(c, i)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
