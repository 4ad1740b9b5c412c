// ConfigMap, Secret, Namespace, Node and Lease validation.
import type { ConfigMap, Lease, Namespace, Node, Secret } from '../types';
import type { FieldError } from './field-errors';
import { duplicate, FieldPath, forbidden, invalid, required, tooLong } from './field-errors';
import { nonNegative, oneOf, positive } from './common';
import { invalidEach, isDNS1123Label, isDNS1123Subdomain, maxLenError, regexError } from './names';
import { immutable, validateObjectMeta, validateObjectMetaUpdate } from './object-meta';

/** The total size of a ConfigMap's or Secret's data (corev1.MaxSecretSize). */
export const MAX_DATA_SIZE = 1024 * 1024;

/** validation.IsConfigMapKey: also the rule for Secret keys. */
export function isConfigMapKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push(maxLenError(253));
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", '[-._a-zA-Z0-9]+', 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** Keys of data and binaryData: valid, not repeated across the two, and at most 1 MiB together. */
function validateData(data: Record<string, string> | undefined, binary: Record<string, string> | undefined, decode: boolean): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  const seen = new Set<string>();
  for (const [field, map] of [
    ['data', data],
    ['binaryData', binary],
  ] as const) {
    for (const [k, v] of Object.entries(map ?? {})) {
      const p = FieldPath.root(field).key(k);
      errs.push(...invalidEach(p, k, isConfigMapKey(k)));
      if (seen.has(k)) errs.push(duplicate(p, k));
      seen.add(k);
      size += decode || field === 'binaryData' ? Buffer.from(v, 'base64').length : Buffer.byteLength(v);
    }
  }
  if (size > MAX_DATA_SIZE) errs.push(tooLong(FieldPath.root('data'), MAX_DATA_SIZE));
  return errs;
}

const namespacedSubdomain = { namespaced: true, validateName: isDNS1123Subdomain };
const IMMUTABLE_SET = 'field is immutable when `immutable` is set';

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  return [...validateObjectMeta(cm.metadata, namespacedSubdomain), ...validateData(cm.data, cm.binaryData, false)];
}

/** Once `immutable: true`, neither the data nor the flag may change. */
export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs = [...validateObjectMetaUpdate(cm.metadata, old.metadata), ...validateConfigMap(cm)];
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(forbidden(FieldPath.root('immutable'), IMMUTABLE_SET));
    if (immutable(cm.data, old.data, 'data').length > 0) errs.push(forbidden(FieldPath.root('data'), IMMUTABLE_SET));
    if (immutable(cm.binaryData, old.binaryData, 'binaryData').length > 0) errs.push(forbidden(FieldPath.root('binaryData'), IMMUTABLE_SET));
  }
  return errs;
}

/** Keys a typed secret must carry. */
const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

export function validateSecret(secret: Secret): FieldError[] {
  const errs = [...validateObjectMeta(secret.metadata, namespacedSubdomain)];
  const data = { ...(secret.data ?? {}) };
  for (const [k, v] of Object.entries(secret.stringData ?? {})) data[k] = Buffer.from(v).toString('base64');
  errs.push(...validateData(data, undefined, true));
  for (const key of SECRET_REQUIRED_KEYS[secret.type ?? ''] ?? []) {
    if (data[key] === undefined) errs.push(required(FieldPath.root('data').key(key)));
  }
  if (secret.type === 'kubernetes.io/service-account-token' && !secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(required(FieldPath.root('metadata', 'annotations').key('kubernetes.io/service-account.name')));
  }
  return errs;
}

export function validateSecretUpdate(secret: Secret, old: Secret): FieldError[] {
  const errs = [...validateObjectMetaUpdate(secret.metadata, old.metadata), ...validateSecret(secret)];
  errs.push(...immutable(secret.type ?? 'Opaque', old.type ?? 'Opaque', FieldPath.root('type')));
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(forbidden(FieldPath.root('immutable'), IMMUTABLE_SET));
    if (immutable(secret.data, old.data, 'data').length > 0) errs.push(forbidden(FieldPath.root('data'), IMMUTABLE_SET));
  }
  return errs;
}

export function validateNamespace(ns: Namespace): FieldError[] {
  const errs = validateObjectMeta(ns.metadata, { namespaced: false, validateName: isDNS1123Label });
  (ns.spec?.finalizers ?? []).forEach((f, i) => {
    if (!f.includes('/') && f !== 'kubernetes') {
      errs.push(invalid(FieldPath.root('spec', 'finalizers').index(i), f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

export function validateNode(node: Node): FieldError[] {
  const errs = validateObjectMeta(node.metadata, { namespaced: false, validateName: isDNS1123Subdomain });
  (node.spec?.taints ?? []).forEach((t, i) => {
    const tp = FieldPath.root('spec', 'taints').index(i);
    if (!t.key) errs.push(required(tp.child('key')));
    errs.push(...oneOf(t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute'], tp.child('effect')));
  });
  return errs;
}

export function validateLease(lease: Lease): FieldError[] {
  const errs = validateObjectMeta(lease.metadata, namespacedSubdomain);
  const s = lease.spec ?? {};
  errs.push(...positive(s.leaseDurationSeconds, FieldPath.root('spec', 'leaseDurationSeconds')));
  errs.push(...nonNegative(s.leaseTransitions, FieldPath.root('spec', 'leaseTransitions')));
  return errs;
}

export { validateObjectMetaUpdate as validateGenericUpdate };
