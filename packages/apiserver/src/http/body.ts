// Request bodies: read with kube-apiserver's 3 MiB limit, then decoded by media type (JSON, YAML,
// or the Kubernetes protobuf envelope kubectl's create commands send).
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '@kubemu/api';
import { parse as parseYaml } from 'yaml';
import { badRequest, isStatus, tooLarge, unsupportedMediaType } from './status';
import type { ApiStatus } from './status';

export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

export type ProtobufDecoder = (body: Buffer) => { ok: true; object: KubeObject } | { ok: false; status: ApiStatus };

export function readBody(req: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<Buffer | ApiStatus> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      req.resume();
      resolve(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? tooLarge() : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Parses JSON or YAML text into a value; errors are worded as kube-apiserver's decoder words them. */
export function parseText(body: Buffer, type: string): unknown {
  const text = body.toString('utf8');
  if (type === 'application/yaml' || type.endsWith('+yaml')) {
    try {
      return parseYaml(text) as unknown;
    } catch (err) {
      return badRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return badRequest(`the object provided is unrecognized or malformed: ${(err as Error).message}`);
  }
}

/** Decodes an object body of a create or update. */
export function decodeObject(body: Buffer, contentType: string | undefined, protobuf: ProtobufDecoder | undefined): KubeObject | ApiStatus {
  const type = mediaType(contentType);
  if (type === 'application/vnd.kubernetes.protobuf') {
    if (protobuf === undefined) return unsupportedMediaType();
    const r = protobuf(body);
    return r.ok ? r.object : r.status;
  }
  if (type !== '' && type !== 'application/json' && type !== 'application/yaml' && type !== '*/*') return unsupportedMediaType();
  if (body.length === 0) return badRequest('the body of the request was empty');
  const value = parseText(body, type);
  if (isStatus(value)) return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return badRequest(`Object 'Kind' is missing in '${body.toString('utf8').slice(0, 200)}'`);
  }
  return value as KubeObject;
}
