// A parser for the subset of CEL (Common Expression Language) used by x-kubernetes-validations:
// literals (int, uint, double, strings incl. raw and triple-quoted, bool, null), lists, maps,
// field selection, indexing, calls and receiver calls, unary ! and -, * / %, + -, comparisons,
// `in`, && and ||, and the ternary operator. Precedence follows the CEL spec.

export type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'id'; name: string }
  | { t: 'sel'; on: Node; field: string }
  | { t: 'idx'; on: Node; index: Node }
  | { t: 'call'; fn: string; target?: Node; args: Node[] }
  | { t: 'list'; items: Node[] }
  | { t: 'map'; entries: [Node, Node][] }
  | { t: 'un'; op: '!' | '-'; x: Node }
  | { t: 'bin'; op: string; l: Node; r: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node };

export class CelSyntaxError extends Error {}

interface Tok { k: 'num' | 'str' | 'id' | 'op' | 'eof'; v: string; val?: unknown }

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '!', '?', ':', '.', ',', '(', ')', '[', ']', '{', '}'];

function unescapeCel(body: string): string {
  return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{3}|.)/g, (_m, e: string) => {
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '`': '`', '?': '?', a: '\x07', b: '\b', f: '\f', v: '\v' };
    if (e in simple) return simple[e]!;
    if (e[0] === 'u' || e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return e;
  });
}

function readString(src: string, i: number, raw: boolean): { val: string; end: number } {
  const q3 = src.startsWith(src[i]!.repeat(3), i) ? src[i]!.repeat(3) : '';
  const q = q3 || src[i]!;
  let j = i + q.length;
  let body = '';
  while (j < src.length && !src.startsWith(q, j)) {
    if (src[j] === '\\' && !raw) {
      body += src[j]! + src[j + 1]!;
      j += 2;
    } else body += src[j++];
  }
  if (j >= src.length) throw new CelSyntaxError(`unterminated string at ${i}`);
  return { val: raw ? body : unescapeCel(body), end: j + q.length };
}

export function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && src[i + 1] === '/') { while (i < src.length && src[i] !== '\n') i++; continue; }
    const prefixed = /^[rRbB]{1,2}['"]/.exec(src.slice(i, i + 3));
    if (prefixed || c === '"' || c === "'") {
      const pre = prefixed ? prefixed[0].slice(0, -1) : '';
      const { val, end } = readString(src, i + pre.length, /r/i.test(pre));
      out.push({ k: 'str', v: src.slice(i, end), val });
      i = end;
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+u?|\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+u?)/.exec(src.slice(i));
    if (num && /[\d.]/.test(c) && !(c === '.' && !/\d/.test(src[i + 1] ?? ''))) {
      const t = num[0];
      const val = t.startsWith('0x') ? parseInt(t.replace(/u$/, ''), 16) : Number(t.replace(/u$/, ''));
      out.push({ k: 'num', v: t, val });
      i += t.length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) { out.push({ k: 'id', v: id[0] }); i += id[0].length; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new CelSyntaxError(`unexpected character '${c}' at ${i}`);
    out.push({ k: 'op', v: op });
    i += op.length;
  }
  out.push({ k: 'eof', v: '' });
  return out;
}

const RESERVED_LITS: Record<string, unknown> = { true: true, false: false, null: null };

class Parser {
  private p = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(v?: string): boolean {
    const t = this.toks[this.p]!;
    return v === undefined ? true : (t.k === 'op' || t.k === 'id') && t.v === v;
  }
  private next(): Tok { return this.toks[this.p++]!; }
  private expect(v: string): void {
    const t = this.next();
    if (t.v !== v) throw new CelSyntaxError(`expected '${v}' but found '${t.v || 'end of input'}'`);
  }

  parse(): Node {
    const n = this.expr();
    if (this.toks[this.p]!.k !== 'eof') throw new CelSyntaxError(`unexpected '${this.toks[this.p]!.v}'`);
    return n;
  }

  private expr(): Node {
    const c = this.or();
    if (!this.peek('?')) return c;
    this.next();
    const a = this.or();
    this.expect(':');
    return { t: 'cond', c, a, b: this.expr() };
  }
  private or(): Node {
    let l = this.and();
    while (this.peek('||')) { this.next(); l = { t: 'bin', op: '||', l, r: this.and() }; }
    return l;
  }
  private and(): Node {
    let l = this.rel();
    while (this.peek('&&')) { this.next(); l = { t: 'bin', op: '&&', l, r: this.rel() }; }
    return l;
  }
  private rel(): Node {
    let l = this.add();
    for (;;) {
      const t = this.toks[this.p]!;
      const isRel = (t.k === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) || (t.k === 'id' && t.v === 'in');
      if (!isRel) return l;
      this.next();
      l = { t: 'bin', op: t.v, l, r: this.add() };
    }
  }
  private add(): Node {
    let l = this.mul();
    while (this.peek('+') || this.peek('-')) { const op = this.next().v; l = { t: 'bin', op, l, r: this.mul() }; }
    return l;
  }
  private mul(): Node {
    let l = this.unary();
    while (this.peek('*') || this.peek('/') || this.peek('%')) { const op = this.next().v; l = { t: 'bin', op, l, r: this.unary() }; }
    return l;
  }
  private unary(): Node {
    if (this.peek('!')) { this.next(); return { t: 'un', op: '!', x: this.unary() }; }
    if (this.peek('-')) { this.next(); return { t: 'un', op: '-', x: this.unary() }; }
    return this.member();
  }
  private args(close: string): Node[] {
    const out: Node[] = [];
    while (!this.peek(close)) {
      out.push(this.expr());
      if (!this.peek(close)) this.expect(',');
    }
    this.expect(close);
    return out;
  }
  private member(): Node {
    let n = this.primary();
    for (;;) {
      if (this.peek('.')) {
        this.next();
        const t = this.next();
        if (t.k !== 'id') throw new CelSyntaxError(`expected a field name after '.', found '${t.v}'`);
        if (this.peek('(')) { this.next(); n = { t: 'call', fn: t.v, target: n, args: this.args(')') }; }
        else n = { t: 'sel', on: n, field: t.v };
      } else if (this.peek('[')) {
        this.next();
        const index = this.expr();
        this.expect(']');
        n = { t: 'idx', on: n, index };
      } else return n;
    }
  }
  private primary(): Node {
    const t = this.next();
    if (t.k === 'num' || t.k === 'str') return { t: 'lit', v: t.val };
    if (t.k === 'id') {
      if (t.v in RESERVED_LITS) return { t: 'lit', v: RESERVED_LITS[t.v] };
      if (this.peek('(')) { this.next(); return { t: 'call', fn: t.v, args: this.args(')') }; }
      return { t: 'id', name: t.v };
    }
    if (t.v === '(') { const e = this.expr(); this.expect(')'); return e; }
    if (t.v === '[') return { t: 'list', items: this.args(']') };
    if (t.v === '{') {
      const entries: [Node, Node][] = [];
      while (!this.peek('}')) {
        const k = this.expr();
        this.expect(':');
        entries.push([k, this.expr()]);
        if (!this.peek('}')) this.expect(',');
      }
      this.expect('}');
      return { t: 'map', entries };
    }
    throw new CelSyntaxError(`unexpected '${t.v || 'end of input'}'`);
  }
}

export function parseCel(src: string): Node {
  return new Parser(tokenize(src)).parse();
}

/** True when an expression mentions the identifier oldSelf (a transition rule). */
export function mentions(n: Node, name: string): boolean {
  switch (n.t) {
    case 'id': return n.name === name;
    case 'lit': return false;
    case 'sel': return mentions(n.on, name);
    case 'idx': return mentions(n.on, name) || mentions(n.index, name);
    case 'call': return (n.target ? mentions(n.target, name) : false) || n.args.some((a) => mentions(a, name));
    case 'list': return n.items.some((a) => mentions(a, name));
    case 'map': return n.entries.some(([k, v]) => mentions(k, name) || mentions(v, name));
    case 'un': return mentions(n.x, name);
    case 'bin': return mentions(n.l, name) || mentions(n.r, name);
    case 'cond': return mentions(n.c, name) || mentions(n.a, name) || mentions(n.b, name);
  }
}
