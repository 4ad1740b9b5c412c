/**
 * A bare HTTPS client for the apiserver benches: JSON requests over a keep-alive agent that trusts
 * the cluster CA and sends the admin bearer token, and chunked watch streams read as JSON lines.
 * Deliberately not @kubemu/client: the bench measures the server, so the client does as little as
 * it can (no rate limiter, no retries, no object decoding it does not need).
 */
import https from 'node:https';
import type { IncomingMessage } from 'node:http';

export interface ApiCredentials {
  /** https://host:port, no trailing slash. */
  url: string;
  token: string;
  caPem: string;
}

export interface JsonResponse {
  status: number;
  body: unknown;
  /** Size of the response body in bytes. */
  bytes: number;
}

/** One client: its own keep-alive agent holding at most `sockets` connections. */
export class ApiConnection {
  readonly agent: https.Agent;
  readonly base: URL;

  constructor(readonly creds: ApiCredentials, sockets = 1) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: sockets, ca: creds.caPem });
    this.base = new URL(creds.url);
  }

  request(method: string, path: string, body?: unknown): Promise<JsonResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers: {
            Authorization: `Bearer ${this.creds.token}`,
            Accept: 'application/json',
            ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': payload.length }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            let parsed: unknown = raw.toString('utf8');
            try {
              parsed = JSON.parse(parsed as string);
            } catch {
              // not JSON (e.g. /readyz text): keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, bytes: raw.length });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request, but a status other than `expect` is an error naming the request. */
  async expect(expect: number, method: string, path: string, body?: unknown): Promise<JsonResponse> {
    const r = await this.request(method, path, body);
    if (r.status !== expect) throw new Error(`${method} ${path}: HTTP ${r.status} (wanted ${expect}): ${JSON.stringify(r.body).slice(0, 400)}`);
    return r;
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface WatchStream {
  /** Resolves when the server answered with the response headers (the watch is registered). */
  opened: Promise<void>;
  stop(): void;
}

/**
 * Opens `GET path` (a ?watch=1 URL) and calls `onLine` with every complete JSON line, unparsed:
 * callers that need one field can find it without paying for JSON.parse of every event.
 * `onEnd` is called once if the stream ends or fails before stop().
 */
export function openWatch(conn: ApiConnection, path: string, onLine: (line: string) => void, onEnd: (err?: Error) => void): WatchStream {
  let stopped = false;
  let response: IncomingMessage | undefined;
  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const opened = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const req = https.request(
    {
      agent: conn.agent,
      host: conn.base.hostname,
      port: conn.base.port,
      method: 'GET',
      path,
      headers: { Authorization: `Bearer ${conn.creds.token}`, Accept: 'application/json' },
    },
    (res) => {
      response = res;
      if (res.statusCode !== 200) {
        settle?.reject(new Error(`watch ${path}: HTTP ${res.statusCode ?? 0}`));
        res.resume();
        return;
      }
      settle?.resolve();
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let nl = pending.indexOf('\n');
        while (nl >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line !== '') onLine(line);
          nl = pending.indexOf('\n');
        }
      });
      res.on('end', () => {
        if (!stopped) onEnd();
      });
      res.on('error', (err) => {
        if (!stopped) onEnd(err);
      });
    },
  );
  req.on('error', (err) => {
    settle?.reject(err);
    if (!stopped) onEnd(err);
  });
  req.end();
  return {
    opened,
    stop() {
      stopped = true;
      response?.destroy();
      req.destroy();
    },
  };
}
