// JSON patch (RFC 6902): add, remove, replace, move, copy, test over JSON pointers.
import { ApiError, badRequest } from '../errors.js';
import { clone, deepEqual } from '../json.js';
import { isJsonObject } from '../types.js';

interface Op { op: string; path: string; from?: string; value?: unknown }

/** The apiserver answers a patch that does not apply with 422 and the library's message. */
const failed = (msg: string): ApiError => new ApiError(422, 'Invalid', msg);

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw failed(`invalid JSON pointer "${p}"`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parent(doc: unknown, path: string[], op: string): { container: unknown; key: string } {
  let cur = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isJsonObject(cur)) cur = cur[seg];
    else cur = undefined;
    if (cur === undefined) throw failed(`${op} operation does not apply: doc is missing path: "/${path.join('/')}": missing value`);
  }
  return { container: cur, key: path[path.length - 1]! };
}

function getAt(doc: unknown, path: string[], op: string): unknown {
  if (path.length === 0) return doc;
  const { container, key } = parent(doc, path, op);
  const v = Array.isArray(container) ? container[Number(key)] : isJsonObject(container) ? container[key] : undefined;
  if (v === undefined) throw failed(`${op} operation does not apply: doc is missing key: /${path.join('/')}: missing value`);
  return v;
}

function add(doc: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const { container, key } = parent(doc, path, 'add');
  if (Array.isArray(container)) {
    const i = key === '-' ? container.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > container.length) throw failed(`add operation does not apply: index out of bounds: ${key}`);
    container.splice(i, 0, value);
  } else if (isJsonObject(container)) container[key] = value as never;
  else throw failed(`add operation does not apply: doc is missing path: /${path.join('/')}`);
  return doc;
}

function remove(doc: unknown, path: string[], op = 'remove'): unknown {
  getAt(doc, path, op);
  const { container, key } = parent(doc, path, op);
  if (Array.isArray(container)) container.splice(Number(key), 1);
  else if (isJsonObject(container)) delete container[key];
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let doc = clone(target);
  for (const raw of ops as Op[]) {
    if (!isJsonObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw badRequest(`invalid json patch operation: ${JSON.stringify(raw)}`);
    const path = parsePointer(raw.path);
    switch (raw.op) {
      case 'add': doc = add(doc, path, clone(raw.value)); break;
      case 'remove': doc = remove(doc, path); break;
      case 'replace': doc = add(remove(doc, path, 'replace'), path, clone(raw.value)); break;
      case 'move': {
        const from = parsePointer(String(raw.from));
        const v = getAt(doc, from, 'move');
        doc = add(remove(doc, from, 'move'), path, v);
        break;
      }
      case 'copy': doc = add(doc, path, clone(getAt(doc, parsePointer(String(raw.from)), 'copy'))); break;
      case 'test':
        if (!deepEqual(getAt(doc, path, 'test'), raw.value)) throw failed(`testing value /${path.join('/')} failed: test failed`);
        break;
      default: throw badRequest(`Unexpected kind: ${raw.op}`);
    }
  }
  return doc;
}
