// Transport over node's http/https with one keep-alive Agent per client, so that a component's
// many requests (and its long-lived watches) reuse a few TCP+TLS connections.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { ConnectionError } from './api-error';
import type { RestConfig } from './kubeconfig';
import type { Transport, TransportRequest, TransportResponse, TransportStream } from './transport';

/** A token read from a file is re-read after this long, as client-go's cachingTokenSource does. */
const TOKEN_FILE_TTL_MS = 60_000;

export class HttpTransport implements Transport {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly module: typeof http | typeof https;
  private cachedToken: { value: string; readAt: number } | undefined;

  constructor(private readonly config: RestConfig) {
    this.base = new URL(config.server);
    const secure = this.base.protocol === 'https:';
    this.module = secure ? https : http;
    this.agent = secure
      ? new https.Agent({
          keepAlive: true,
          ...(config.caPem !== undefined ? { ca: config.caPem } : {}),
          ...(config.certPem !== undefined ? { cert: config.certPem } : {}),
          ...(config.keyPem !== undefined ? { key: config.keyPem } : {}),
          ...(config.tlsServerName !== undefined ? { servername: config.tlsServerName } : {}),
          rejectUnauthorized: config.insecureSkipTlsVerify !== true,
        })
      : new http.Agent({ keepAlive: true });
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    return this.open(req).then(
      (res) =>
        new Promise<TransportResponse>((resolve, reject) => {
          res.setEncoding('utf8');
          let body = '';
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res), body }));
          res.on('error', (err) => reject(new ConnectionError(`reading response of ${req.method} ${req.path}: ${err.message}`, { cause: err })));
        }),
    );
  }

  async stream(req: TransportRequest): Promise<TransportStream> {
    const res = await this.open(req);
    res.setEncoding('utf8');
    return { status: res.statusCode ?? 0, headers: flatHeaders(res), body: res as AsyncIterable<string> };
  }

  close(): void {
    this.agent.destroy();
  }

  private open(req: TransportRequest): Promise<IncomingMessage> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + req.path, this.base);
    const headers: Record<string, string> = { ...req.headers };
    const auth = this.authorization();
    if (auth !== undefined && headers.authorization === undefined) headers.authorization = auth;
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    return new Promise((resolve, reject) => {
      const r = this.module.request(url, { method: req.method, headers, agent: this.agent, ...(req.signal ? { signal: req.signal } : {}) }, resolve);
      r.on('error', (err) => reject(new ConnectionError(`${req.method} ${url.href}: ${err.message}`, { cause: err })));
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  private authorization(): string | undefined {
    const c = this.config;
    if (c.tokenFile !== undefined) {
      const now = Date.now();
      if (this.cachedToken === undefined || now - this.cachedToken.readAt > TOKEN_FILE_TTL_MS) {
        try {
          this.cachedToken = { value: fs.readFileSync(c.tokenFile, 'utf8').trim(), readAt: now };
        } catch {
          // Keep the last token (or the inline one) when the file is briefly missing during rotation.
          if (this.cachedToken === undefined && c.token !== undefined) this.cachedToken = { value: c.token, readAt: now };
        }
      }
      if (this.cachedToken !== undefined) return `Bearer ${this.cachedToken.value}`;
    }
    if (c.token !== undefined) return `Bearer ${c.token}`;
    if (c.username !== undefined) return `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}`;
    return undefined;
  }
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
