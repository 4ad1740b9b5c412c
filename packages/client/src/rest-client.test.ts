import { ManualClock } from '@kubemu/base';
import { RestClient } from './rest-client';
import type { Transport, TransportRequest, TransportResponse } from './transport';

/** Answers every request 200 at once and keeps what it was sent. */
class RecordingTransport implements Transport {
  readonly seen: TransportRequest[] = [];
  request(req: TransportRequest): Promise<TransportResponse> {
    this.seen.push(req);
    return Promise.resolve({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' });
  }
  stream(): never {
    throw new Error('no streams here');
  }
  close(): void {}
}

const turns = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('RestClient.withUserAgent', () => {
  it('shares the transport, sends its own user agent, and has a rate limiter of its own', async () => {
    const clock = new ManualClock();
    const transport = new RecordingTransport();
    const main = new RestClient({ transport, clock, qps: 1, burst: 1, userAgent: 'kcm/v1' });
    const forked = main.withUserAgent('kcm/v1/deployment-controller');

    await main.request({ method: 'GET', path: '/api/v1/pods' });
    // main's only token is spent: its next request waits a second of clock time...
    const waiting = main.request({ method: 'GET', path: '/api/v1/nodes' });
    await turns();
    expect(transport.seen.map((r) => r.path)).toEqual(['/api/v1/pods']);
    // ...while the forked client, with its own bucket of the same size, goes at once.
    await forked.request({ method: 'GET', path: '/apis/apps/v1/deployments' });
    expect(transport.seen.map((r) => [r.path, r.headers['user-agent']])).toEqual([
      ['/api/v1/pods', 'kcm/v1'],
      ['/apis/apps/v1/deployments', 'kcm/v1/deployment-controller'],
    ]);
    // Its bucket is as small as main's: a second request waits too.
    const forkedWaiting = forked.request({ method: 'GET', path: '/api/v1/services' });
    await turns();
    expect(transport.seen).toHaveLength(2);
    await clock.advanceAsync(1000);
    await Promise.all([waiting, forkedWaiting]);
    expect(transport.seen.map((r) => r.path).slice(2).sort()).toEqual(['/api/v1/nodes', '/api/v1/services']);
  });
});
