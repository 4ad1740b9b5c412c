// Names on the bus: the JetStream KV bucket that holds Events, the key of one Event in it, and the
// core-NATS subjects committed changes are published on.
//
// Invariants:
// - An Event's key is `<namespace>.<name token(s)>`; the namespace (a DNS label) is always exactly
//   the first token, so `$KV.<bucket>.<namespace>.>` selects one namespace and nothing else.
// - escapeName is injective: characters outside [-_a-zA-Z0-9] become `=XX` (UTF-8 bytes, upper-case
//   hex), and `=` itself is escaped, so two names never share a key. Dots are kept where they
//   separate non-empty tokens (the usual `pod-x.17f3a2b1c0d` reads back as is with `nats kv`).
import type { ResourceInfo } from '@kubemu/api';

/** The token used for the namespace of cluster-scoped objects (namespaces are DNS labels, so never `_`). */
export const CLUSTER_SCOPED = '_';

export function bucketName(cluster: string): string {
  return `kubemu-events-${cluster}`;
}

/** JetStream names the stream behind KV bucket `b` `KV_b`; `nats kv` finds it by that name. */
export function streamName(cluster: string): string {
  return `KV_${bucketName(cluster)}`;
}

export function bucketSubjects(cluster: string): string {
  return `$KV.${bucketName(cluster)}.>`;
}

const PLAIN = /^[-_a-zA-Z0-9]$/;

function escapeChar(c: string): string {
  if (PLAIN.test(c)) return c;
  return [...Buffer.from(c, 'utf8')].map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

export function escapeName(name: string): string {
  const tokens = name.split('.');
  const keepDots = tokens.every((t) => t !== '');
  const escapeAll = (s: string): string => [...s].map(escapeChar).join('');
  return keepDots ? tokens.map(escapeAll).join('.') : escapeAll(name);
}

export function eventKey(namespace: string, name: string): string {
  return `${namespace}.${escapeName(name)}`;
}

export function eventSubject(cluster: string, namespace: string, name: string): string {
  return `$KV.${bucketName(cluster)}.${eventKey(namespace, name)}`;
}

/** Every Event of a namespace, or of all namespaces when `namespace` is ''. */
export function namespaceFilter(cluster: string, namespace: string): string {
  return namespace === '' ? bucketSubjects(cluster) : `$KV.${bucketName(cluster)}.${namespace}.>`;
}

/** `kubemu.<cluster>.<resource>.<namespace>`, with `_` for cluster-scoped objects. */
export function changeSubject(cluster: string, info: ResourceInfo, namespace: string | undefined): string {
  const ns = info.namespaced && namespace !== undefined && namespace !== '' ? namespace : CLUSTER_SCOPED;
  return `kubemu.${cluster}.${info.resource}.${ns}`;
}

/** A cluster name must be one subject token (and a valid part of a bucket name). */
export function isValidClusterToken(cluster: string): boolean {
  return /^[-_a-zA-Z0-9]+$/.test(cluster);
}
