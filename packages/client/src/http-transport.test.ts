import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@kubemu/base';
import { ApiError, ConnectionError, isNotFound } from './api-error';
import { RestClient } from './rest-client';
import type { WatchEvent } from './watch';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
  contentType: string | undefined;
}

/** A tiny apiserver stand-in: a few canned answers, and a watch written in awkward chunks. */
async function server(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  let retries = 0;
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body, contentType: req.headers['content-type'] });
      const url = new URL(req.url ?? '', 'http://x');
      if (url.pathname === '/prefix/api/v1/namespaces/default/configmaps/missing') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "missing" not found', reason: 'NotFound', details: { name: 'missing', kind: 'configmaps' }, code: 404 }));
      } else if (url.pathname === '/prefix/api/v1/namespaces/default/configmaps/busy') {
        if (retries++ < 2) {
          res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' });
          res.end('overloaded');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"metadata":{"name":"busy"}}');
        }
      } else if (url.pathname === '/prefix/api/v1/namespaces/default/configmaps' && url.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'content-type': 'application/json' });
        const text =
          '{"type":"ADDED","object":{"metadata":{"name":"ü-1","resourceVersion":"5"}}}\n' + '{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}\n';
        const bytes = Buffer.from(text);
        // Split inside an event and inside the two-byte 'ü'.
        const cut1 = bytes.indexOf(Buffer.from('ü')) + 1;
        res.write(bytes.subarray(0, cut1));
        setTimeout(() => {
          res.write(bytes.subarray(cut1, cut1 + 30));
          setTimeout(() => res.end(bytes.subarray(cut1 + 30)), 5);
        }, 5);
      } else {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(body);
      }
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/prefix`, seen, close: () => new Promise((resolve) => srv.close(() => resolve())) };
}

describe('RestClient over HTTP', () => {
  it('sends JSON with a bearer token, and turns a Status answer into an ApiError', async () => {
    const s = await server();
    const client = RestClient.fromConfig({ server: s.url, token: 'secret' });
    try {
      const cms = client.resource<{ metadata: { name: string } }>({ group: '', version: 'v1', resource: 'configmaps', namespaced: true }).namespace('default');
      await expect(cms.create({ metadata: { name: 'a' } })).resolves.toEqual({ metadata: { name: 'a' } });
      expect(s.seen[0]).toMatchObject({ method: 'POST', url: '/prefix/api/v1/namespaces/default/configmaps', auth: 'Bearer secret', contentType: 'application/json' });
      const err = await cms.get('missing').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(isNotFound(err)).toBe(true);
      expect((err as ApiError).message).toBe('configmaps "missing" not found');
      await cms.patch('a', 'merge', { data: { k: 'v' } });
      expect(s.seen[2]).toMatchObject({ method: 'PATCH', contentType: 'application/merge-patch+json', body: '{"data":{"k":"v"}}' });
    } finally {
      client.close();
      await s.close();
    }
  });

  it('retries 5xx answers carrying Retry-After', async () => {
    const s = await server();
    const client = RestClient.fromConfig({ server: s.url });
    try {
      const r = await client.requestJson<{ metadata: { name: string } }>({ method: 'GET', path: '/api/v1/namespaces/default/configmaps/busy' });
      expect(r.metadata.name).toBe('busy');
      expect(s.seen).toHaveLength(3);
    } finally {
      client.close();
      await s.close();
    }
  });

  it('decodes a chunked watch split inside events and inside a UTF-8 character', async () => {
    const s = await server();
    const client = RestClient.fromConfig({ server: s.url });
    try {
      const cms = client.resource<{ metadata: { name?: string; resourceVersion: string } }>({ group: '', version: 'v1', resource: 'configmaps', namespaced: true });
      const w = await cms.namespace('default').watch({ resourceVersion: '4', allowWatchBookmarks: true, labelSelector: 'a=b', timeoutSeconds: 30 });
      const seen: WatchEvent<{ metadata: { name?: string; resourceVersion: string } }>[] = [];
      await w.forEach((e) => seen.push(e));
      expect(seen.map((e) => [e.type, (e.object.metadata as { name?: string }).name ?? '', (e.object.metadata as { resourceVersion?: string }).resourceVersion])).toEqual([
        ['ADDED', 'ü-1', '5'],
        ['BOOKMARK', '', '9'],
      ]);
      const q = new URL(s.seen[0]?.url ?? '', 'http://x').searchParams;
      expect(Object.fromEntries(q)).toEqual({ watch: 'true', labelSelector: 'a=b', resourceVersion: '4', timeoutSeconds: '30', allowWatchBookmarks: 'true' });
    } finally {
      client.close();
      await s.close();
    }
  });

  it('reads the token from tokenFile, and a refused connection is a ConnectionError', async () => {
    const s = await server();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubemu-client-'));
    fs.writeFileSync(path.join(dir, 'token'), 'from-file\n');
    const client = RestClient.fromConfig({ server: s.url, tokenFile: path.join(dir, 'token') });
    try {
      await client.request({ method: 'POST', path: '/x', body: {} });
      expect(s.seen[0]?.auth).toBe('Bearer from-file');
    } finally {
      client.close();
      await s.close();
      fs.rmSync(dir, { recursive: true });
    }
    const dead = RestClient.fromConfig({ server: s.url });
    await expect(dead.request({ method: 'GET', path: '/x' })).rejects.toBeInstanceOf(ConnectionError);
    dead.close();
  });
});

describe('client-side rate limit', () => {
  it('lets a burst through, then one request per 1/qps on the Clock', async () => {
    const clock = new ManualClock();
    let sent = 0;
    const client = new RestClient({
      clock,
      qps: 2,
      burst: 3,
      transport: {
        request: () => {
          sent++;
          return Promise.resolve({ status: 200, headers: {}, body: '{}' });
        },
        stream: () => Promise.reject(new Error('unused')),
      },
    });
    const all = Array.from({ length: 5 }, () => client.request({ method: 'GET', path: '/api' }));
    await clock.advanceAsync(0);
    expect(sent).toBe(3);
    await clock.advanceAsync(500);
    expect(sent).toBe(4);
    await clock.advanceAsync(500);
    expect(sent).toBe(5);
    await Promise.all(all);
  });
});
