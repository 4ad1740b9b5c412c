// The narrow interface between the REST client and the network. HttpTransport speaks HTTP(S) to a
// real apiserver; FakeApiServer (testing/) answers in memory. Everything above this line (resource
// helpers, watch decoding, reflectors, informers) runs unchanged over either.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface TransportRequest {
  method: HttpMethod;
  /** Absolute path with its query string, e.g. `/api/v1/namespaces/default/pods?limit=500`. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

export interface TransportStream {
  status: number;
  headers: Record<string, string>;
  /**
   * The body as it arrives, decoded as UTF-8 (a multi-byte character is never split between
   * chunks). Iteration ends when the server closes the response, and throws when the connection
   * fails or the request's signal aborts it.
   */
  body: AsyncIterable<string>;
}

export interface Transport {
  /** One request, its whole body read. Rejects only when no HTTP answer arrived (ConnectionError). */
  request(req: TransportRequest): Promise<TransportResponse>;
  /** One request whose body is consumed as a stream (watch). Resolves once the headers arrive. */
  stream(req: TransportRequest): Promise<TransportStream>;
  /** Releases pooled connections. */
  close?(): void;
}

/** Reads a whole stream body, for a streamed request that failed with a non-2xx status. */
export async function readAll(body: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of body) out += chunk;
  return out;
}
