// For tests: a real single-member store and one apiserver replica over plain HTTP in this process,
// with pluggable extensions (default: everyone is an admin; no patch types beyond what a test adds).
import { ManualClock, RealClock, SeededRng, silentLogger } from '@kubemu/base';
import type { Clock } from '@kubemu/base';
import { startTestMember } from '@kubemu/kvstore';
import type { TestMember } from '@kubemu/kvstore';
import { startApiServer } from './apiserver';
import type { ApiServerOptions, RunningApiServer } from './apiserver';
import type { Extensions } from './http/extensions';
import { extensions } from './security';

/** Response bodies in tests: JSON read freely, asserted on by the test. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into arbitrary JSON
export type Json = any;

export interface TestApiServer {
  member: TestMember;
  server: RunningApiServer;
  url: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Json; headers: Headers }>;
  stop(): Promise<void>;
}

/** Every request is an admin's; patching, protobuf, strict decoding and Tables are the real modules. */
export const ADMIN_EXTENSIONS: Extensions = extensions(
  {
    authenticate: () => Promise.resolve({ username: 'admin', groups: ['system:masters', 'system:authenticated'] }),
    authorize: () => Promise.resolve(undefined),
  },
  new RealClock(),
);

export async function startTestApiServer(over: Partial<ApiServerOptions> & { clock?: Clock } = {}): Promise<TestApiServer> {
  const member = await startTestMember();
  const server = await startApiServer({
    etcdServers: [member.endpoint],
    bindAddress: '127.0.0.1',
    securePort: 0,
    advertiseAddress: '127.0.0.1',
    serviceClusterIpRange: '10.96.0.0/12',
    nodePortRange: [30000, 32767],
    clock: new RealClock(),
    rng: new SeededRng(7),
    log: silentLogger('apiserver-test'),
    ext: ADMIN_EXTENSIONS,
    ...over,
  }).catch(async (err: unknown) => {
    await member.destroy();
    throw err;
  });
  const url = server.url;
  return {
    member,
    server,
    url,
    async request(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { 'Content-Type': 'application/json', ...headers } };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await fetch(url + path, init);
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async stop() {
      await server.close();
      await member.destroy();
    },
  };
}

export { ManualClock };
