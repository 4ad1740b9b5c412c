// Authentication, authorization and the cluster PKI of the apiserver: the surface the HTTP server
// uses. Nothing here knows about HTTP frameworks; requests come in as headers and a TLS peer
// certificate, and failures go out as Kubernetes Status objects.

// Users
export type { UserInfo } from './user';
export {
  ALL_AUTHENTICATED,
  ALL_SERVICE_ACCOUNTS,
  ALL_UNAUTHENTICATED,
  ANONYMOUS,
  NODES_GROUP,
  SYSTEM_MASTERS,
  nodeIdentity,
  parseServiceAccountUsername,
  serviceAccountGroups,
  serviceAccountUsername,
} from './user';
export type { AuthStatus } from './status';
export { forbiddenMessage, forbiddenStatus, newForbidden, unauthorizedStatus } from './status';

// PKI
export type { Pki, PkiOptions, ClientCertificateRequest } from './pki/pki';
export { DEFAULT_SERVER_IPS, DEFAULT_SERVER_NAMES, ensurePki, issueClientCertificate } from './pki/pki';
export { PkiError } from './pki/pki-files';
export { certificateSubject, verifyClientCertificate } from './pki/x509';

// Authentication
export type { AuthenticationRequest, AuthenticationResult, AuthenticatorOptions } from './authn/authenticator';
export { Authenticator } from './authn/authenticator';
export type { TokenFileParse } from './authn/token-file';
export { TokenFileAuthenticator, parseTokenFile } from './authn/token-file';
export type {
  BoundObject,
  IssuedToken,
  ObjectRef,
  ServiceAccountAuthenticatorOptions,
  ServiceAccountGetters,
  TokenAuthentication,
  TokenIssueRequest,
  TokenIssuerOptions,
} from './authn/service-account-token';
export { DEFAULT_ISSUER, ServiceAccountTokenAuthenticator, TokenIssuer } from './authn/service-account-token';
export type { BoundObjectReference, TokenRequest, TokenRequestSpec } from './authn/token-request';
export { DEFAULT_EXPIRATION_SECONDS, tokenRequestResponse, validateTokenRequest } from './authn/token-request';
export { keyIdFromPublicKey } from './authn/jwt';
export { openIdConfiguration, serviceAccountJwks } from './authn/oidc-discovery';

// Authorization
export type {
  AuthorizationResult,
  Authorizer,
  Decision,
  NonResourceRule,
  RequestAttributes,
  ResourceRule,
  RuleResolver,
  RulesResult,
} from './authz/attributes';
export type { AuthorizerSources } from './authz/authorizer';
export { PrivilegedGroupsAuthorizer, UnionAuthorizer, newAuthorizer } from './authz/authorizer';
export type { RbacObjects } from './authz/rbac/rbac-authorizer';
export { ClusterRoleIndex, RbacAuthorizer } from './authz/rbac/rbac-authorizer';
export type { PolicyRule } from './authz/rbac/rule-matching';
export { ruleAllows, rulesAllow } from './authz/rbac/rule-matching';
export type { NodeGraph } from './authz/node-authorizer';
export { NodeAuthorizer } from './authz/node-authorizer';
export { podReferences } from './authz/node-references';
export type { AdmissionOperation, NodeAdmissionRequest } from './authz/node-restriction';
export { nodeRestriction } from './authz/node-restriction';

// Bootstrap policy
export { bootstrapPolicy, clusterRoleBindings, namespaceRoleBindings, namespaceRoles } from './bootstrap/bootstrap-policy';
export { clusterRoles, nodeRules } from './bootstrap/cluster-roles';
export { controllerRoleBindings, controllerRoles } from './bootstrap/controller-roles';

// Reviews
export type { AccessReviewSpec, AccessReviewStatus, ReviewObject, ReviewResult } from './reviews';
export { localSubjectAccessReview, selfSubjectAccessReview, selfSubjectReview, selfSubjectRulesReview, subjectAccessReview } from './reviews';
