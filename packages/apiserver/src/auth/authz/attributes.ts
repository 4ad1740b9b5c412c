// What an authorizer decides on: k8s.io/apiserver's authorizer.Attributes, as plain data.
import type { UserInfo } from '../user';

export interface RequestAttributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, proxy, impersonate, ... */
  verb: string;
  /** True for a request on an API object, false for a non-resource path (/healthz, /version). */
  resourceRequest: boolean;
  /** '' for the core group. */
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  /** '' or absent for cluster-scoped requests. */
  namespace?: string;
  /**
   * The object's name; for a list or watch with the field selector metadata.name=<x>, x (as
   * kube-apiserver's RequestInfo sets it), so that a kubelet may watch its own Node.
   */
  name?: string;
  /** The request path; what non-resource rules match. */
  path?: string;
  /**
   * The raw field selector of a list or watch; the Node authorizer lets a node list and watch only
   * the pods selected by `spec.nodeName=<its name>`.
   */
  fieldSelector?: string;
}

/**
 * allow and deny end the evaluation; noOpinion passes the request to the next authorizer, and a
 * request nobody allows is forbidden.
 */
export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why, in the words kube-apiserver uses; empty when an authorizer has nothing to say. */
  reason: string;
}

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** The rules a user has in a namespace, as SelfSubjectRulesReview reports them. */
export interface RulesResult {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** True when an authorizer cannot list everything it would allow (the Node authorizer). */
  incomplete: boolean;
  /** Errors met while resolving rules, joined as kube's aggregate error prints them. */
  evaluationError?: string;
}

export interface Authorizer {
  authorize(attrs: RequestAttributes): AuthorizationResult;
}

export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): RulesResult;
}

export const NO_OPINION: AuthorizationResult = Object.freeze({ decision: 'noOpinion', reason: '' }) as AuthorizationResult;
export const ALLOW: AuthorizationResult = Object.freeze({ decision: 'allow', reason: '' }) as AuthorizationResult;

/** utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated inside [a, b]. */
export function aggregateErrors(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  if (unique.length === 1) return unique[0] as string;
  return `[${unique.join(', ')}]`;
}
