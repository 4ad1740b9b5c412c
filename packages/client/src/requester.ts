// What the resource helpers need from a client; RestClient implements it. Kept apart so that
// resource-client.ts does not import rest-client.ts (which constructs ResourceClients).
import type { Clock } from '@kubemu/base';
import type { HttpMethod, TransportStream } from './transport';

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  method: HttpMethod;
  /** Absolute API path without query, e.g. /api/v1/namespaces/default/pods. */
  path: string;
  query?: Record<string, QueryValue>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function buildPath(path: string, query?: Record<string, QueryValue>): string {
  if (query === undefined) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

export interface ApiRequester {
  readonly clock: Clock;
  request(opts: RequestOptions): Promise<RawResponse>;
  requestJson<R>(opts: RequestOptions): Promise<R>;
  stream(opts: RequestOptions): Promise<TransportStream>;
}
