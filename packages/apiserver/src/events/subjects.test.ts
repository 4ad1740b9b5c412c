// Names on the bus: keys that keep one namespace per first token and never collide, and the
// --event-ttl duration syntax.
import { findResource } from '@kubemu/api';
import { parseDuration } from './duration';
import { changeSubject, escapeName, eventKey, isValidClusterToken, namespaceFilter } from './subjects';

test('an Event key is <namespace>.<name>, dots kept where they separate tokens', () => {
  expect(eventKey('default', 'web-1.17f3a2b1c0d')).toBe('default.web-1.17f3a2b1c0d');
  expect(namespaceFilter('c', 'default')).toBe('$KV.kubemu-events-c.default.>');
  expect(namespaceFilter('c', '')).toBe('$KV.kubemu-events-c.>');
});

test('names that are not plain subject tokens are escaped, injectively', () => {
  expect(escapeName('system:node:n1.17f')).toBe('system=3Anode=3An1.17f');
  expect(escapeName('.a..b.')).toBe('=2Ea=2E=2Eb=2E');
  expect(escapeName('a=3A')).toBe('a=3D3A');
  const names = ['a.b', 'a=2Eb', 'a:b', 'a=3Ab', '.a', '=2Ea', 'é', 'a b', 'a*b', 'a>b'];
  const keys = names.map(escapeName);
  expect(new Set(keys).size).toBe(names.length);
  for (const k of keys) expect(k).toMatch(/^[-_=a-zA-Z0-9]+(\.[-_=a-zA-Z0-9]+)*$/);
});

test('change subjects: plural resource, namespace or _ for cluster-scoped objects', () => {
  expect(changeSubject('c', findResource('apps', 'v1', 'deployments')!, 'shop')).toBe('kubemu.c.deployments.shop');
  expect(changeSubject('c', findResource('', 'v1', 'nodes')!, undefined)).toBe('kubemu.c.nodes._');
  expect(isValidClusterToken('kubemu')).toBe(true);
  expect(isValidClusterToken('a.b')).toBe(false);
  expect(isValidClusterToken('a*')).toBe(false);
});

test('--event-ttl takes Go durations', () => {
  expect(parseDuration('1h')).toBe(3_600_000);
  expect(parseDuration('1h0m0s')).toBe(3_600_000);
  expect(parseDuration('1h30m')).toBe(5_400_000);
  expect(parseDuration('2s')).toBe(2000);
  expect(parseDuration('1.5s')).toBe(1500);
  expect(parseDuration('250ms')).toBe(250);
  expect(parseDuration('0')).toBe(0);
  expect(parseDuration('1')).toBeUndefined();
  expect(parseDuration('1d')).toBeUndefined();
  expect(parseDuration('h')).toBeUndefined();
});
