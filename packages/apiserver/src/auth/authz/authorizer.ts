// The authorizer chain kube-apiserver runs with --authorization-mode=Node,RBAC: members of
// system:masters are allowed before anything else, then each authorizer in turn; the first
// allow or deny decides, and a request every authorizer has no opinion on is forbidden with
// their reasons joined by newlines.
import { nodeRules } from '../bootstrap/cluster-roles';
import type { UserInfo } from '../user';
import { SYSTEM_MASTERS } from '../user';
import type { AuthorizationResult, Authorizer, RequestAttributes, RuleResolver, RulesResult } from './attributes';
import { ALLOW, NO_OPINION, aggregateErrors } from './attributes';
import type { NodeGraph } from './node-authorizer';
import { NodeAuthorizer } from './node-authorizer';
import type { RbacObjects } from './rbac/rbac-authorizer';
import { RbacAuthorizer } from './rbac/rbac-authorizer';

/** Allows every request of a member of the given groups (system:masters in kube-apiserver). */
export class PrivilegedGroupsAuthorizer implements Authorizer {
  constructor(private readonly groups: readonly string[] = [SYSTEM_MASTERS]) {}

  authorize(attrs: RequestAttributes): AuthorizationResult {
    return attrs.user.groups.some((g) => this.groups.includes(g)) ? ALLOW : NO_OPINION;
  }
}

export class UnionAuthorizer implements Authorizer, RuleResolver {
  constructor(
    private readonly authorizers: readonly Authorizer[],
    private readonly ruleResolvers: readonly RuleResolver[],
  ) {}

  authorize(attrs: RequestAttributes): AuthorizationResult {
    const reasons: string[] = [];
    for (const a of this.authorizers) {
      const result = a.authorize(attrs);
      if (result.decision !== 'noOpinion') return result;
      if (result.reason !== '') reasons.push(result.reason);
    }
    return { decision: 'noOpinion', reason: reasons.join('\n') };
  }

  /** Every resolver's rules together; incomplete if any resolver is, with all their errors. */
  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const out: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: false };
    const errors: string[] = [];
    for (const r of this.ruleResolvers) {
      const part = r.rulesFor(user, namespace);
      out.resourceRules.push(...part.resourceRules);
      out.nonResourceRules.push(...part.nonResourceRules);
      if (part.incomplete) out.incomplete = true;
      if (part.evaluationError !== undefined) errors.push(part.evaluationError);
    }
    if (errors.length > 0) out.evaluationError = aggregateErrors(errors);
    return out;
  }
}

export interface AuthorizerSources {
  rbac: RbacObjects;
  nodeGraph: NodeGraph;
}

/** system:masters, then Node, then RBAC: what kube-apiserver --authorization-mode=Node,RBAC runs. */
export function newAuthorizer(sources: AuthorizerSources): UnionAuthorizer {
  const node = new NodeAuthorizer(sources.nodeGraph, nodeRules());
  const rbac = new RbacAuthorizer(sources.rbac);
  return new UnionAuthorizer([new PrivilegedGroupsAuthorizer(), node, rbac], [node, rbac]);
}
