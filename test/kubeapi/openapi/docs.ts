// /openapi/v2 and /openapi/v3 entry points. OpenAPI v2 is published without definitions (as JSON,
// or as the gnostic protobuf that kubectl up to 1.2x insists on): kubectl then skips client-side
// schema validation for every kind, which is what it does for kinds a server publishes no schema
// for, and leaves validation to the server.
import type { NonResourceAnswer } from '../http/nonresource.js';
import type { Registry } from '../registry.js';
export { openapiV3Group, openapiV3Root } from './v3.js';

const PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const TITLE = 'Kubernetes';
const VERSION = 'v1.32.0';

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/** A length-delimited protobuf field (wire type 2). */
const field = (num: number, body: Buffer): Buffer => Buffer.concat([varint((num << 3) | 2), varint(body.length), body]);
const str = (num: number, s: string): Buffer => field(num, Buffer.from(s, 'utf8'));

/** openapi.v2.Document { swagger = 1; info = 2 { title = 1; version = 2 }; paths = 8 {} } */
export function openapiV2Protobuf(): Buffer {
  return Buffer.concat([str(1, '2.0'), field(2, Buffer.concat([str(1, TITLE), str(2, VERSION)])), field(8, Buffer.alloc(0))]);
}

export function openapiV2(_r: Registry, accept: string): NonResourceAnswer {
  if (accept.includes(PROTOBUF) || accept.includes('application/com.github.proto-openapi.spec.v2.v1.0+protobuf')) {
    // '@' is not a valid media-type character for Go's mime parser, so the bytes go out as octet-stream
    return { code: 200, body: openapiV2Protobuf(), contentType: 'application/octet-stream' };
  }
  return { code: 200, body: { swagger: '2.0', info: { title: TITLE, version: VERSION }, paths: {}, definitions: {} } };
}
