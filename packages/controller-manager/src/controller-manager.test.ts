import type { RestClient } from '@kubemu/client';
import type { ControllerFactory } from './controller';
import { ControllerManager, enabledControllers, resolveControllerName } from './controller-manager';
import { concurrentSyncs, parseDuration, parseFlags } from './flags';
import { ControllerHarness } from './testing/controller-harness';

const noop: ControllerFactory = () => ({ name: 'x', run: (signal) => new Promise((r) => signal.addEventListener('abort', () => r(), { once: true })) });
const TABLE = { deployment: noop, replicaset: noop, endpoint: noop, horizontalpodautoscaler: noop, bootstrapsigner: noop };

describe('--controllers', () => {
  test('"*" enables all but those disabled by default; -name disables; name enables', () => {
    const off = new Set(['bootstrapsigner']);
    expect(enabledControllers(['*'], TABLE, off)).toEqual(['deployment', 'endpoint', 'horizontalpodautoscaler', 'replicaset']);
    expect(enabledControllers(['*', '-replicaset'], TABLE, off)).toEqual(['deployment', 'endpoint', 'horizontalpodautoscaler']);
    expect(enabledControllers(['*', 'bootstrapsigner'], TABLE, off)).toEqual(['bootstrapsigner', 'deployment', 'endpoint', 'horizontalpodautoscaler', 'replicaset']);
    expect(enabledControllers(['deployment'], TABLE, off)).toEqual(['deployment']);
    expect(enabledControllers(['-deployment', 'deployment', '*'], TABLE, off)).not.toContain('deployment');
  });

  test("kube's canonical names and old aliases both work; unknown names are refused", () => {
    expect(resolveControllerName('endpoints-controller', TABLE)).toBe('endpoint');
    expect(resolveControllerName('horizontalpodautoscaling', TABLE)).toBe('horizontalpodautoscaler');
    expect(enabledControllers(['deployment-controller', 'replicaset'], TABLE)).toEqual(['deployment', 'replicaset']);
    expect(() => enabledControllers(['nope'], TABLE)).toThrow('"nope" is not in the list of known controllers');
  });
});

describe('flags', () => {
  test('defaults as kube-controller-manager has them', () => {
    const f = parseFlags([]);
    expect(f['leader-elect']).toBe('true');
    expect([f['leader-elect-lease-duration'], f['leader-elect-renew-deadline'], f['leader-elect-retry-period']]).toEqual(['15s', '10s', '2s']);
    expect([f['leader-elect-resource-namespace'], f['leader-elect-resource-name']]).toEqual(['kube-system', 'kube-controller-manager']);
    expect(f['secure-port']).toBe('10257');
    expect(f['cluster-cidr']).toBe('10.244.0.0/16');
    expect(concurrentSyncs(f)).toMatchObject({ deployment: 5, replicaset: 5, namespace: 10, garbagecollector: 20 });
  });

  test('bare and explicit booleans; Go durations; unknown flags refused', () => {
    expect(parseFlags(['--leader-elect=false'])['leader-elect']).toBe('false');
    expect(parseFlags(['--allocate-node-cidrs'])['allocate-node-cidrs']).toBe('true');
    expect(parseFlags(['--controllers', '*,-deployment']).controllers).toBe('*,-deployment');
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(() => parseDuration('15')).toThrow('time: invalid duration "15"');
    expect(() => parseFlags(['--leader-elect=maybe'])).toThrow('strconv.ParseBool');
    expect(() => parseFlags(['--no-such-flag=1'])).toThrow('unknown flag: --no-such-flag');
  });
});

describe('ControllerManager', () => {
  test('runs the enabled controllers on one informer factory until the signal aborts', async () => {
    const h = new ControllerHarness();
    const seen: string[] = [];
    const spy = (name: string): ControllerFactory => (ctx) => {
      seen.push(`${name}:${ctx.options.workers}`);
      return { name, run: (signal) => new Promise((r) => signal.addEventListener('abort', () => r(), { once: true })) };
    };
    const cm = new ControllerManager({
      client: h.client,
      clock: h.clock,
      rng: h.ctx.rng,
      log: h.ctx.log,
      controllers: ['a', 'b'],
      options: h.ctx.options,
      concurrentSyncs: { a: 7 },
      table: { a: spy('a'), b: spy('b'), c: spy('c') },
    });
    const stop = new AbortController();
    const done = cm.run(stop.signal);
    expect(seen).toEqual(['a:7', `b:${h.ctx.options.workers}`]);
    stop.abort();
    await done;
    await h.stop();
  });

  test("gives each controller a client of its own, named in its user agent as kube-controller-manager's", async () => {
    const h = new ControllerHarness();
    const clients: RestClient[] = [];
    const keep: ControllerFactory = (ctx) => {
      clients.push(ctx.client);
      return { name: 'x', run: () => Promise.resolve() };
    };
    const cm = new ControllerManager({
      client: h.client,
      clock: h.clock,
      rng: h.ctx.rng,
      log: h.ctx.log,
      controllers: ['deployment', 'daemonset', 'nodelifecycle'],
      options: h.ctx.options,
      table: { deployment: keep, daemonset: keep, nodelifecycle: keep },
    });
    expect(clients.map((c) => c.userAgent)).toEqual([
      `${h.client.userAgent}/deployment-controller`,
      `${h.client.userAgent}/daemon-set-controller`,
      `${h.client.userAgent}/node-controller`,
    ]);
    expect(new Set([h.client, ...clients]).size).toBe(4);
    await cm.run(new AbortController().signal);
    await h.stop();
  });
});
