// Service account issuer discovery (GET /.well-known/openid-configuration and /openid/v1/jwks):
// what lets a party outside the cluster verify the apiserver's service account tokens.
import * as crypto from 'node:crypto';
import { keyIdFromPublicKey } from './jwt';

/** The OpenID provider configuration kube-apiserver serves for its issuer. */
export function openIdConfiguration(issuer: string, jwksUri: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}

/** The public keys that verify service account tokens, with the kid each token header names. */
export function serviceAccountJwks(publicKeyPems: readonly string[]): { keys: Record<string, unknown>[] } {
  return {
    keys: publicKeyPems.map((pem) => {
      const key = crypto.createPublicKey(pem);
      const jwk = key.export({ format: 'jwk' });
      return { use: 'sig', kty: jwk.kty, kid: keyIdFromPublicKey(key), alg: 'RS256', n: jwk.n, e: jwk.e };
    }),
  };
}
