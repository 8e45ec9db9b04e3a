// The JSONPath subset printer columns use: .a.b, ['key'], [n], [*], and filters
// [?(@.type=="Ready")] (== and != on a field). Returns every match, in order.
import { isJsonObject } from './types.js';

type Step = { k: 'field'; name: string } | { k: 'index'; i: number } | { k: 'all' } | { k: 'filter'; path: string[]; op: '==' | '!='; value: string };

function parse(expr: string): Step[] {
  const src = expr.trim().replace(/^\{(.*)\}$/, '$1').replace(/^\$/, '');
  const steps: Step[] = [];
  let i = 0;
  while (i < src.length) {
    if (src[i] === '.') {
      const m = /^\.([A-Za-z0-9_-]+|\*)/.exec(src.slice(i));
      if (!m) throw new Error(`bad jsonpath ${expr}`);
      steps.push(m[1] === '*' ? { k: 'all' } : { k: 'field', name: m[1]! });
      i += m[0].length;
    } else if (src[i] === '[') {
      const close = src.indexOf(']', i);
      const inner = src.slice(i + 1, close);
      const filter = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*["']?([^"']*)["']?\)$/.exec(inner);
      if (filter) steps.push({ k: 'filter', path: filter[1]!.slice(1).split('.'), op: filter[2] as '==' | '!=', value: filter[3]! });
      else if (inner === '*') steps.push({ k: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ k: 'index', i: Number(inner) });
      else steps.push({ k: 'field', name: inner.replace(/^['"]|['"]$/g, '') });
      i = close + 1;
    } else throw new Error(`bad jsonpath ${expr}`);
  }
  return steps;
}

const cache = new Map<string, Step[]>();

export function jsonPath(obj: unknown, expr: string): unknown[] {
  let steps = cache.get(expr);
  if (!steps) cache.set(expr, (steps = parse(expr)));
  let cur: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (s.k === 'field' && isJsonObject(v) && v[s.name] !== undefined) next.push(v[s.name]);
      else if (s.k === 'index' && Array.isArray(v)) {
        const x = v[s.i < 0 ? v.length + s.i : s.i];
        if (x !== undefined) next.push(x);
      } else if (s.k === 'all') next.push(...(Array.isArray(v) ? v : isJsonObject(v) ? Object.values(v) : []));
      else if (s.k === 'filter' && Array.isArray(v)) {
        for (const item of v) {
          let f: unknown = item;
          for (const p of s.path) f = isJsonObject(f) ? f[p] : undefined;
          const eq = f !== undefined && String(f) === s.value;
          if (s.op === '==' ? eq : !eq && f !== undefined) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}
