// Untrusted text shown to people (status messages, `nodenet status`, problem lines): control
// characters and bidirectional overrides are escaped, so a name in a hostile file cannot move the
// cursor, rewrite the terminal's title or reorder what an operator reads.

// C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates, BOM.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** `text` with every unsafe character written as \uXXXX (backslashes are left alone). */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value quoted for a message: escaped like a JSON string, and unsafe characters as \uXXXX. */
export function quoted(text: string): string {
  return printable(JSON.stringify(text));
}
