// The review APIs: "may this user do that" (SubjectAccessReview, LocalSubjectAccessReview,
// SelfSubjectAccessReview: `kubectl auth can-i`), "what may I do here" (SelfSubjectRulesReview:
// `kubectl auth can-i --list`) and "who am I" (SelfSubjectReview: `kubectl auth whoami`). Each
// takes the posted object and returns the object kube-apiserver answers with, or its error Status.
import { invalid, toStatus } from '@kubemu/api';
import type { FieldError, InvalidStatus } from '@kubemu/api';
import type { Clock } from '@kubemu/base';
import type { Authorizer, RequestAttributes, RuleResolver } from './authz/attributes';
import type { UserInfo } from './user';

const AUTHZ = 'authorization.k8s.io';
const AUTHZ_V1 = 'authorization.k8s.io/v1';

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  fieldSelector?: { rawSelector?: string };
}

export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

export interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes | null;
  nonResourceAttributes?: NonResourceAttributes | null;
  /** SubjectAccessReview only: whom to ask about. */
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface AccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

export interface ReviewObject {
  kind?: string;
  apiVersion?: string;
  metadata?: Record<string, unknown>;
  spec?: AccessReviewSpec;
  [field: string]: unknown;
}

export interface BadRequestStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: 'BadRequest';
  code: 400;
}

export type ReviewResult<T> = { ok: true; object: T } | { ok: false; status: InvalidStatus | BadRequestStatus };

const badRequest = (message: string): BadRequestStatus => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason: 'BadRequest',
  code: 400,
});

/** `kubectl auth can-i`: may the requesting user do what the spec describes? */
export function selfSubjectAccessReview(authorizer: Authorizer, user: UserInfo, review: ReviewObject): ReviewResult<ReviewObject> {
  const spec = review.spec ?? {};
  const errs = validateAttributes(spec, 'spec');
  if (errs.length > 0) return { ok: false, status: toStatus({ group: AUTHZ, kind: 'SelfSubjectAccessReview' }, '', errs) };
  return { ok: true, object: answer(review, 'SelfSubjectAccessReview', authorizer, attributesFrom(user, spec)) };
}

/** May the user or groups named in the spec do what it describes? */
export function subjectAccessReview(authorizer: Authorizer, review: ReviewObject): ReviewResult<ReviewObject> {
  const spec = review.spec ?? {};
  const errs = validateAttributes(spec, 'spec');
  if (!spec.user && (spec.groups ?? []).length === 0) errs.push(invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
  if (errs.length > 0) return { ok: false, status: toStatus({ group: AUTHZ, kind: 'SubjectAccessReview' }, '', errs) };
  return { ok: true, object: answer(review, 'SubjectAccessReview', authorizer, attributesFrom(subjectOf(spec), spec)) };
}

/** A SubjectAccessReview posted in a namespace, about that namespace only. */
export function localSubjectAccessReview(authorizer: Authorizer, namespace: string, review: ReviewObject): ReviewResult<ReviewObject> {
  const spec = review.spec ?? {};
  const errs = validateAttributes(spec, 'spec');
  if (!spec.user && (spec.groups ?? []).length === 0) errs.push(invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
  if (spec.nonResourceAttributes) errs.push(invalid('spec.nonResourceAttributes', 'non-null', 'disallowed on this kind of request'));
  if (errs.length > 0) return { ok: false, status: toStatus({ group: AUTHZ, kind: 'LocalSubjectAccessReview' }, '', errs) };
  if (namespace === '') return { ok: false, status: badRequest(`namespace is required on this type: ${namespace}`) };
  if (spec.resourceAttributes && (spec.resourceAttributes.namespace ?? '') !== namespace) {
    return { ok: false, status: badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`) };
  }
  return { ok: true, object: answer(review, 'LocalSubjectAccessReview', authorizer, attributesFrom(subjectOf(spec), spec)) };
}

/** `kubectl auth can-i --list`: the requesting user's rules in a namespace (required). */
export function selfSubjectRulesReview(resolver: RuleResolver, user: UserInfo, review: { spec?: { namespace?: string } }): ReviewResult<Record<string, unknown>> {
  const namespace = review.spec?.namespace ?? '';
  if (namespace === '') return { ok: false, status: badRequest('no namespace on request') };
  const rules = resolver.rulesFor(user, namespace);
  const status: Record<string, unknown> = { resourceRules: rules.resourceRules, nonResourceRules: rules.nonResourceRules, incomplete: rules.incomplete };
  if (rules.evaluationError !== undefined) status['evaluationError'] = rules.evaluationError;
  // kube-apiserver answers with a new object: the spec it was asked about is not echoed.
  return { ok: true, object: { kind: 'SelfSubjectRulesReview', apiVersion: AUTHZ_V1, metadata: { creationTimestamp: null }, spec: {}, status } };
}

/** `kubectl auth whoami`: the requesting user as the apiserver authenticated it. */
export function selfSubjectReview(user: UserInfo, clock: Clock): Record<string, unknown> {
  const userInfo: Record<string, unknown> = { username: user.username };
  if (user.uid) userInfo['uid'] = user.uid;
  if (user.groups.length > 0) userInfo['groups'] = [...user.groups];
  if (user.extra !== undefined && Object.keys(user.extra).length > 0) userInfo['extra'] = user.extra;
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: new Date(clock.wallNow()).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    status: { userInfo },
  };
}

function validateAttributes(spec: AccessReviewSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    errs.push(invalid(`${path}.nonResourceAttributes`, spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  }
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    // Go formats the absent (nil) attributes as "null".
    errs.push(invalid(`${path}.resourceAttributes`, 'null', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  }
  return errs;
}

function subjectOf(spec: AccessReviewSpec): UserInfo {
  const user: UserInfo = { username: spec.user ?? '', groups: [...(spec.groups ?? [])] };
  if (spec.uid) user.uid = spec.uid;
  if (spec.extra) user.extra = spec.extra;
  return user;
}

/** An empty version means every version ("*"), as kube-apiserver reads the attributes. */
function attributesFrom(user: UserInfo, spec: AccessReviewSpec): RequestAttributes {
  const r = spec.resourceAttributes;
  if (r) {
    const attrs: RequestAttributes = {
      user,
      verb: r.verb ?? '',
      resourceRequest: true,
      apiGroup: r.group ?? '',
      apiVersion: r.version || '*',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
    };
    if (r.fieldSelector?.rawSelector) attrs.fieldSelector = r.fieldSelector.rawSelector;
    return attrs;
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: n.verb ?? '', resourceRequest: false, path: n.path ?? '' };
}

/** The posted review with its status: allowed, denied (only on an explicit deny) and the reason. */
function answer(review: ReviewObject, kind: string, authorizer: Authorizer, attrs: RequestAttributes): ReviewObject {
  const result = authorizer.authorize(attrs);
  const status: AccessReviewStatus = { allowed: result.decision === 'allow' };
  if (result.decision === 'deny') status.denied = true;
  if (result.reason !== '') status.reason = result.reason;
  return { ...review, kind, apiVersion: AUTHZ_V1, metadata: { ...(review.metadata ?? {}), creationTimestamp: review.metadata?.['creationTimestamp'] ?? null }, status };
}
