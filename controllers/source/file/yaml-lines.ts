// Maps a FieldError path (spec.ports[1].hostPort) back to the YAML node it names, for line numbers.
// A path that ends at a missing field (a required one) lands on the closest existing parent.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { parsePath } from '../../../api/v1alpha1/paths.js';

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** 1-based line of the deepest node on `path` in `doc`, or undefined. */
export function lineOfPath(doc: Document, path: string, lc: LineCounter): number | undefined {
  const segments = parsePath(path) ?? [];
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0];
  for (const seg of segments) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lc.linePos(offset).line;
}
