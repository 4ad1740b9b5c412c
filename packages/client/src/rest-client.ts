// The REST client: rate limiting, retries on a server's Retry-After, JSON in and out, and the
// ApiError for every failure the server reports. Resource helpers build on `request`/`stream`.
import { RealClock } from '@kubemu/base';
import type { Clock, Logger } from '@kubemu/base';
import { ApiError } from './api-error';
import { HttpTransport } from './http-transport';
import type { RestConfig } from './kubeconfig';
import { ResourceClient } from './resource-client';
import type { ResourceSpec } from './resource-client';
import { TokenBucket, sleep } from './token-bucket';
import { readAll } from './transport';
import type { Transport, TransportRequest, TransportStream } from './transport';
import { buildPath } from './requester';
import type { ApiRequester, RawResponse, RequestOptions } from './requester';

export interface RestClientOptions {
  transport: Transport;
  clock?: Clock;
  /** Client-side rate limit; client-go's defaults are 5 qps with a burst of 10. */
  qps?: number;
  burst?: number;
  /** Bound on retries of one request the server answered 429/5xx with Retry-After (client-go: 10). */
  maxRetries?: number;
  userAgent?: string;
  logger?: Logger;
}

/** Seconds a 429 or 5xx answer asks us to wait, when it asks (client-go's checkWait). */
function retryAfterSeconds(status: number, headers: Record<string, string>): number | undefined {
  if (status !== 429 && (status < 500 || status > 504)) return undefined;
  const h = headers['retry-after'];
  if (h === undefined) return undefined;
  const n = Number.parseInt(h, 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export class RestClient implements ApiRequester {
  readonly clock: Clock;
  private readonly transport: Transport;
  private readonly limiter: TokenBucket;
  private readonly maxRetries: number;
  readonly userAgent: string;
  private readonly opts: RestClientOptions;

  constructor(opts: RestClientOptions) {
    this.opts = opts;
    this.transport = opts.transport;
    this.clock = opts.clock ?? new RealClock();
    this.limiter = new TokenBucket(opts.qps ?? 5, opts.burst ?? 10, this.clock);
    this.maxRetries = opts.maxRetries ?? 10;
    this.userAgent = opts.userAgent ?? 'kubemu/v0.1.0';
  }

  /** A client over HTTP(S) to the apiserver of `config`. */
  static fromConfig(config: RestConfig, opts: Omit<RestClientOptions, 'transport'> = {}): RestClient {
    return new RestClient({
      transport: new HttpTransport(config),
      ...(config.qps !== undefined ? { qps: config.qps } : {}),
      ...(config.burst !== undefined ? { burst: config.burst } : {}),
      ...(config.userAgent !== undefined ? { userAgent: config.userAgent } : {}),
      ...opts,
    });
  }

  /**
   * A client over the same transport (its pooled connections) with a rate limiter of its own and
   * another user agent, as client-go's clients built from one config share their TLS transport
   * but not their limiter: kube-controller-manager gives each controller one of these, named in
   * its user agent, so that one controller's burst does not queue the others' requests.
   */
  withUserAgent(userAgent: string): RestClient {
    return new RestClient({ ...this.opts, clock: this.clock, userAgent });
  }

  /** Typed helpers for one resource, e.g. `client.resource<Pod>({group: '', version: 'v1', resource: 'pods', namespaced: true})`. */
  resource<T extends object>(spec: ResourceSpec): ResourceClient<T> {
    return new ResourceClient<T>(this, spec);
  }

  /**
   * One request; never throws for an HTTP status (the caller reads `status`), only for a
   * request that got no answer (ConnectionError). 429/5xx with Retry-After are retried first.
   */
  async request(opts: RequestOptions): Promise<RawResponse> {
    const req = this.toTransportRequest(opts);
    for (let attempt = 0; ; attempt++) {
      await this.limiter.take(opts.signal);
      const res = await this.transport.request(req);
      const wait = retryAfterSeconds(res.status, res.headers);
      if (wait === undefined || attempt >= this.maxRetries || opts.signal?.aborted) return res;
      await sleep(this.clock, wait * 1000, opts.signal);
    }
  }

  /** request() that parses a 2xx JSON body and throws ApiError otherwise. */
  async requestJson<R>(opts: RequestOptions): Promise<R> {
    const res = await this.request(opts);
    if (res.status < 200 || res.status > 299) throw ApiError.fromResponse(res.status, res.body, res.headers['retry-after']);
    return (res.body === '' ? {} : JSON.parse(res.body)) as R;
  }

  /** A streamed request (watch): resolves on a 2xx answer's headers, throws ApiError otherwise. */
  async stream(opts: RequestOptions): Promise<TransportStream> {
    const req = this.toTransportRequest(opts);
    for (let attempt = 0; ; attempt++) {
      await this.limiter.take(opts.signal);
      const res = await this.transport.stream(req);
      if (res.status >= 200 && res.status <= 299) return res;
      const body = await readAll(res.body);
      const wait = retryAfterSeconds(res.status, res.headers);
      if (wait === undefined || attempt >= this.maxRetries || opts.signal?.aborted) {
        throw ApiError.fromResponse(res.status, body, res.headers['retry-after']);
      }
      await sleep(this.clock, wait * 1000, opts.signal);
    }
  }

  close(): void {
    this.transport.close?.();
  }

  private toTransportRequest(opts: RequestOptions): TransportRequest {
    const headers: Record<string, string> = { accept: opts.accept ?? 'application/json', 'user-agent': this.userAgent };
    const req: TransportRequest = { method: opts.method, path: buildPath(opts.path, opts.query), headers };
    if (opts.body !== undefined) {
      req.body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    if (opts.signal !== undefined) req.signal = opts.signal;
    return req;
  }
}
