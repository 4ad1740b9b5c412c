// The TokenRequest API (POST .../serviceaccounts/<name>/token, authentication.k8s.io/v1): spec
// defaulting and validation, and the object the apiserver answers with.
import { invalid, toStatus } from '@kubemu/api';
import type { FieldError, InvalidStatus } from '@kubemu/api';
import type { IssuedToken } from './service-account-token';

/** The default spec.expirationSeconds: one hour. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

export interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: BoundObjectReference | null;
}

export interface TokenRequest {
  kind: 'TokenRequest';
  apiVersion: 'authentication.k8s.io/v1';
  metadata: { name?: string; namespace?: string; creationTimestamp: string | null };
  spec: TokenRequestSpec & { audiences: string[]; expirationSeconds: number; boundObjectRef: BoundObjectReference | null };
  status: { token: string; expirationTimestamp: string };
}

/**
 * The spec with defaults applied and its validation errors, as kube-apiserver words them; the
 * Invalid status names the service account: `TokenRequest.authentication.k8s.io "default" is
 * invalid: spec.expirationSeconds: Invalid value: 5: may not specify a duration less than 10 minutes`.
 */
export function validateTokenRequest(
  serviceAccountName: string,
  spec: TokenRequestSpec | undefined,
): { ok: true; spec: TokenRequest['spec'] } | { ok: false; status: InvalidStatus } {
  const expirationSeconds = spec?.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  const errs: FieldError[] = [];
  const field = 'spec.expirationSeconds';
  if (expirationSeconds < MIN_EXPIRATION_SECONDS) {
    errs.push(invalid(field, expirationSeconds, 'may not specify a duration less than 10 minutes'));
  }
  if (expirationSeconds > MAX_EXPIRATION_SECONDS) {
    errs.push(invalid(field, expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  }
  if (errs.length > 0) return { ok: false, status: toStatus({ group: 'authentication.k8s.io', kind: 'TokenRequest' }, serviceAccountName, errs) };
  return { ok: true, spec: { audiences: [...(spec?.audiences ?? [])], expirationSeconds, boundObjectRef: spec?.boundObjectRef ?? null } };
}

/**
 * The TokenRequest the apiserver returns: the request's spec with the audiences the token was
 * issued for and the expiration it got (capped by --service-account-max-token-expiration), and
 * the token in status.
 */
export function tokenRequestResponse(namespace: string, serviceAccountName: string, spec: TokenRequest['spec'], issued: IssuedToken): TokenRequest {
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: serviceAccountName, namespace, creationTimestamp: null },
    spec: { ...spec, audiences: issued.audiences, expirationSeconds: issued.expirationSeconds },
    status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
  };
}
