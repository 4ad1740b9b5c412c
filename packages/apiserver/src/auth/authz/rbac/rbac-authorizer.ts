// The RBAC authorizer: the rules of every (Cluster)RoleBinding whose subjects include the user,
// cluster bindings first, then the bindings of the request's namespace. It never denies: a request
// no rule covers gets no opinion, with the errors met on the way (a binding to a missing role) as
// the reason.
import { goQuote, labelSelectorMatches } from '@kubemu/api';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '@kubemu/api';
import type { UserInfo } from '../../user';
import { parseServiceAccountUsername } from '../../user';
import type { AuthorizationResult, Authorizer, NonResourceRule, RequestAttributes, ResourceRule, RuleResolver, RulesResult } from '../attributes';
import { aggregateErrors } from '../attributes';
import type { PolicyRule } from './rule-matching';
import { ruleAllows } from './rule-matching';

/**
 * The RBAC objects as they are now; the apiserver backs this with its watch cache. Each call
 * returns the current objects; the authorizer keeps nothing between requests.
 */
export interface RbacObjects {
  clusterRoles(): readonly ClusterRole[];
  clusterRoleBindings(): readonly ClusterRoleBinding[];
  roles(namespace: string): readonly Role[];
  roleBindings(namespace: string): readonly RoleBinding[];
}

type Subject = NonNullable<RoleBinding['subjects']>[number];
type RoleRef = RoleBinding['roleRef'];

/** Called with each rule that applies (and where it comes from) or each error; false stops. */
type Visitor = (rule: PolicyRule | undefined, source: () => string, err: string | undefined) => boolean;

export class RbacAuthorizer implements Authorizer, RuleResolver {
  constructor(private readonly objects: RbacObjects) {}

  authorize(attrs: RequestAttributes): AuthorizationResult {
    let allowedBy: string | undefined;
    const errors: string[] = [];
    this.visitRulesFor(attrs.user, attrs.namespace ?? '', (rule, source, err) => {
      if (rule !== undefined && ruleAllows(attrs, rule)) {
        allowedBy = source();
        return false;
      }
      if (err !== undefined) errors.push(err);
      return true;
    });
    if (allowedBy !== undefined) return { decision: 'allow', reason: `RBAC: allowed by ${allowedBy}` };
    return { decision: 'noOpinion', reason: errors.length > 0 ? `RBAC: ${aggregateErrors(errors)}` : '' };
  }

  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (rule, _source, err) => {
      if (rule !== undefined) {
        if ((rule.resources ?? []).length > 0) {
          const r: ResourceRule = { verbs: [...rule.verbs] };
          if ((rule.apiGroups ?? []).length > 0) r.apiGroups = [...(rule.apiGroups ?? [])];
          r.resources = [...(rule.resources ?? [])];
          if ((rule.resourceNames ?? []).length > 0) r.resourceNames = [...(rule.resourceNames ?? [])];
          resourceRules.push(r);
        }
        if ((rule.nonResourceURLs ?? []).length > 0) {
          nonResourceRules.push({ verbs: [...rule.verbs], nonResourceURLs: [...(rule.nonResourceURLs ?? [])] });
        }
      }
      if (err !== undefined) errors.push(err);
      return true;
    });
    const result: RulesResult = { resourceRules, nonResourceRules, incomplete: false };
    if (errors.length > 0) result.evaluationError = aggregateErrors(errors);
    return result;
  }

  private visitRulesFor(user: UserInfo, namespace: string, visit: Visitor): void {
    const clusterRoles = new ClusterRoleIndex(this.objects.clusterRoles());
    for (const binding of this.objects.clusterRoleBindings()) {
      const subject = firstApplyingSubject(user, binding.subjects ?? [], '');
      if (subject === undefined) continue;
      const resolved = this.roleRefRules(binding.roleRef, '', clusterRoles);
      if (typeof resolved === 'string') {
        if (!visit(undefined, () => '', resolved)) return;
        continue;
      }
      const source = (): string =>
        `ClusterRoleBinding ${q(binding.metadata?.name ?? '')} of ${binding.roleRef.kind} ${q(binding.roleRef.name)} to ${describeSubject(subject, '')}`;
      for (const rule of resolved) if (!visit(rule, source, undefined)) return;
    }
    if (namespace === '') return;
    for (const binding of this.objects.roleBindings(namespace)) {
      const subject = firstApplyingSubject(user, binding.subjects ?? [], namespace);
      if (subject === undefined) continue;
      const resolved = this.roleRefRules(binding.roleRef, namespace, clusterRoles);
      if (typeof resolved === 'string') {
        if (!visit(undefined, () => '', resolved)) return;
        continue;
      }
      const ns = binding.metadata?.namespace ?? namespace;
      const source = (): string =>
        `RoleBinding ${q(`${binding.metadata?.name ?? ''}/${ns}`)} of ${binding.roleRef.kind} ${q(binding.roleRef.name)} to ${describeSubject(subject, ns)}`;
      for (const rule of resolved) if (!visit(rule, source, undefined)) return;
    }
  }

  /** The rules a roleRef grants, or the error kube-apiserver's listers give for a missing role. */
  private roleRefRules(ref: RoleRef, namespace: string, clusterRoles: ClusterRoleIndex): readonly PolicyRule[] | string {
    switch (ref.kind) {
      case 'Role': {
        const role = namespace === '' ? undefined : this.objects.roles(namespace).find((r) => r.metadata?.name === ref.name);
        return role === undefined ? `role.rbac.authorization.k8s.io ${q(ref.name)} not found` : (role.rules ?? []);
      }
      case 'ClusterRole':
        return clusterRoles.effectiveRules(ref.name) ?? `clusterrole.rbac.authorization.k8s.io ${q(ref.name)} not found`;
      default:
        return `unsupported role reference kind: ${q(ref.kind)}`;
    }
  }
}

/**
 * ClusterRoles by name, with aggregated roles resolved. The clusterrole-aggregation controller
 * writes into an aggregated role the rules of every ClusterRole its selectors match (itself
 * excluded; selector by selector, each in name order; duplicates dropped); resolving here gives the state that controller
 * converges to, so admin/edit/view work whether or not it has run yet. Aggregation is transitive
 * (admin selects edit, which selects view); a cycle stops at a role already being resolved.
 */
export class ClusterRoleIndex {
  private readonly byName = new Map<string, ClusterRole>();
  private readonly resolved = new Map<string, readonly PolicyRule[]>();

  constructor(roles: readonly ClusterRole[]) {
    for (const r of roles) this.byName.set(r.metadata?.name ?? '', r);
  }

  effectiveRules(name: string, resolving: Set<string> = new Set()): readonly PolicyRule[] | undefined {
    const role = this.byName.get(name);
    if (role === undefined) return undefined;
    const selectors = role.aggregationRule?.clusterRoleSelectors;
    if (selectors === undefined) return role.rules ?? [];
    const done = this.resolved.get(name);
    if (done !== undefined) return done;
    if (resolving.has(name)) return role.rules ?? [];
    resolving.add(name);
    const rules: PolicyRule[] = [];
    const seen = new Set<string>();
    const names = [...this.byName.keys()].filter((n) => n !== name).sort();
    for (const selector of selectors) {
      for (const other of names) {
        if (!selectorMatches(selector, this.byName.get(other)?.metadata?.labels ?? {})) continue;
        for (const rule of this.effectiveRules(other, resolving) ?? []) {
          const key = JSON.stringify(rule);
          if (seen.has(key)) continue;
          seen.add(key);
          rules.push(rule);
        }
      }
    }
    resolving.delete(name);
    this.resolved.set(name, rules);
    return rules;
  }
}

/** A selector that does not parse selects nothing, as the aggregation controller skips it. */
function selectorMatches(selector: Parameters<typeof labelSelectorMatches>[0], labels: Record<string, string>): boolean {
  try {
    return labelSelectorMatches(selector, labels);
  } catch {
    return false;
  }
}

function firstApplyingSubject(user: UserInfo, subjects: readonly Subject[], namespace: string): Subject | undefined {
  return subjects.find((s) => appliesToUser(user, s, namespace));
}

function appliesToUser(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A RoleBinding may leave the namespace of a service account subject to its own.
      const ns = subject.namespace || namespace;
      if (ns === '') return false;
      const sa = parseServiceAccountUsername(user.username);
      return sa !== undefined && sa.namespace === ns && sa.name === subject.name;
    }
    default:
      return false;
  }
}

/** How kube-apiserver names a subject in its reasons; note name/namespace for service accounts. */
function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${q(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${q(s.name)}`;
}

const q = goQuote;
