// Limits that keep a hostile or broken YAML file from exhausting the agent. The `yaml` composer
// recurses per nesting level: ~800 flow levels overflow the stack and ~10,000 abort the whole
// process from inside V8's regexp compiler (not catchable). So nesting is measured first, with
// yaml's Lexer, which is iterative and never builds a tree, and the file is refused before
// parsing. The composed value is then measured exactly (depth, alias cycles) before validation.
import { CST, Lexer, isScalar, isSeq, visit, type Document, type LineCounter, type Node } from 'yaml';

export const YAML_LIMITS = {
  /** Bigger files are refused unread by the parser (the file source should stat first). */
  maxFileBytes: 1024 * 1024,
  maxDocuments: 1000,
  /** Nesting levels of mappings and lists. Real manifests (even with managedFields) stay under 20. */
  maxDepth: 64,
  /** Alias expansions per document: merges of a few anchors pass, billion-laughs does not. */
  maxAliasCount: 64,
  /**
   * Entries of one mapping and items of one list. The schema's largest lists hold 1024 items and
   * its maps 64 entries; far larger ones only make validation and error reporting slow.
   */
  maxMapEntries: 1000,
  maxSeqItems: 5000,
  /** Errors reported per document; the rest are counted. */
  maxErrors: 50,
} as const;

export interface GuardProblem {
  /** 1-based line where the limit was crossed, when known. */
  line?: number;
  message: string;
}

interface ScanState {
  line: number;
  flow: number;
  stack: { indent: number; depth: number }[];
  atLineStart: boolean;
  indent: number;
  base: number;
  indicators: number;
  content: boolean;
}

function newlines(tok: string): number {
  let n = 0;
  for (let i = tok.indexOf('\n'); i >= 0; i = tok.indexOf('\n', i + 1)) n++;
  return n;
}

/** First token of a line that carries content: find the parent line by indentation. */
function startContent(s: ScanState): void {
  if (!s.atLineStart) return;
  s.atLineStart = false;
  if (s.flow > 0) return;
  while (s.stack.length && s.stack[s.stack.length - 1]!.indent >= s.indent) s.stack.pop();
  s.base = s.stack[s.stack.length - 1]?.depth ?? 0;
  s.indicators = 0;
  s.content = true;
}

function endLine(s: ScanState): void {
  if (s.content && s.flow === 0) s.stack.push({ indent: s.indent, depth: s.base + s.indicators });
  s.content = false;
  s.atLineStart = true;
  s.indent = 0;
}

/**
 * Estimates nesting from tokens: flow brackets exactly, block levels from indentation and the
 * "-", "?" and ":" indicators of each line (it may undercount block levels up to twofold, which
 * keeps the composer far below its recursion limit). Also counts documents.
 */
export function preScan(text: string, limits = YAML_LIMITS): GuardProblem | undefined {
  const s: ScanState = { line: 1, flow: 0, stack: [], atLineStart: true, indent: 0, base: 0, indicators: 0, content: false };
  let documents = 1;
  let scalarBody = false;
  for (const tok of new Lexer().lex(text)) {
    if (scalarBody) {
      scalarBody = false;
      s.line += newlines(tok);
      continue;
    }
    const type = CST.tokenType(tok);
    switch (type) {
      case 'scalar':
        startContent(s);
        scalarBody = true;
        break;
      case 'newline':
        s.line += Math.max(1, newlines(tok));
        endLine(s);
        break;
      case 'space':
        if (s.atLineStart) s.indent = tok.replace(/\n/g, '').length;
        s.line += newlines(tok);
        break;
      case 'comment':
      case 'doc-mode':
      case 'byte-order-mark':
        break;
      case 'doc-end':
        s.stack = [];
        s.flow = 0;
        break;
      case 'doc-start':
        if (++documents > limits.maxDocuments) return { line: s.line, message: `more than ${limits.maxDocuments} documents in one file` };
        s.stack = [];
        s.flow = 0;
        startContent(s);
        break;
      case 'flow-map-start':
      case 'flow-seq-start':
        startContent(s);
        s.flow++;
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        s.flow = Math.max(0, s.flow - 1);
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
      case 'map-value-ind':
        startContent(s);
        if (s.flow === 0) s.indicators++;
        break;
      default:
        startContent(s);
        s.line += newlines(tok);
    }
    if (s.base + s.indicators + s.flow > limits.maxDepth) {
      return { line: s.line, message: `nesting deeper than ${limits.maxDepth} levels` };
    }
  }
  return undefined;
}

/** Exact check of a composed value: depth and alias cycles (an alias to its own ancestor). */
export function checkComposed(value: unknown, limits = YAML_LIMITS): string | undefined {
  const ancestors = new Set<object>();
  const walk = (v: unknown, depth: number): string | undefined => {
    if (v === null || typeof v !== 'object') return undefined;
    if (depth > limits.maxDepth) return `nesting deeper than ${limits.maxDepth} levels`;
    if (ancestors.has(v)) return 'an alias refers to a node that contains it (recursive structure)';
    ancestors.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      const problem = walk(child, depth + 1);
      if (problem) return problem;
    }
    ancestors.delete(v);
    return undefined;
  };
  return walk(value, 1);
}

/**
 * Duplicate keys and oversized collections, found in one linear pass over the document's nodes.
 * (The yaml library's own uniqueKeys check compares every key with every other one: a 1 MiB
 * mapping took minutes.) Keys compare as the strings they become in JSON, so `1:` and `"1":` clash.
 */
export function checkNodes(doc: Document, lc: LineCounter, limits = YAML_LIMITS): GuardProblem | undefined {
  let found: GuardProblem | undefined;
  const lineOf = (n: { range?: [number, number, number] | null } | null | undefined): number | undefined => (n?.range ? lc.linePos(n.range[0]).line : undefined);
  visit(doc, {
    Map(_, map) {
      if (map.items.length > limits.maxMapEntries) {
        found = { line: lineOf(map), message: `a mapping with ${map.items.length} entries (the limit is ${limits.maxMapEntries})` };
        return visit.BREAK;
      }
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        if (key !== null && !isScalar(key)) {
          found = { line: lineOf(key), message: 'YAML: mapping keys must be plain scalars' };
          return visit.BREAK;
        }
        const text = key === null || key.value === null ? '' : String(key.value);
        if (seen.has(text)) {
          found = { line: lineOf(key), message: `YAML: Map keys must be unique (${JSON.stringify(text)} appears more than once)` };
          return visit.BREAK;
        }
        seen.add(text);
      }
      return undefined;
    },
    Seq(_, seq) {
      if (isSeq(seq) && seq.items.length > limits.maxSeqItems) {
        found = { line: lineOf(seq), message: `a list with ${seq.items.length} items (the limit is ${limits.maxSeqItems})` };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}
