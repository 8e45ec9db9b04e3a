// Reading request bodies and writing JSON / Status responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, unsupportedMediaType } from '../errors.js';

const MAX_BODY = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Decodes a create/update body: JSON, or YAML when the client says so. */
export function decodeBody(contentType: string | undefined, raw: string): unknown {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim();
  if (raw.trim() === '') return undefined;
  try {
    if (type === 'application/json' || type === '' || type === '*/*') return JSON.parse(raw);
    if (type === 'application/yaml') return parseYaml(raw);
  } catch (cause) {
    throw badRequest(`error decoding request body: ${(cause as Error).message}`);
  }
  throw unsupportedMediaType(type, ['application/json', 'application/yaml']);
}

export function sendJson(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-cache, private' };
  if (warnings.length) headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, err.status());
}
