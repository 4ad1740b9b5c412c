// The Node authorizer (--authorization-mode=Node): what a kubelet, user system:node:<name> in group
// system:nodes, may do. Reads of secrets, configmaps, claims and volumes, and tokens of service
// accounts, only for objects the pods bound to that node refer to; its own Node and Lease; pods
// listed by spec.nodeName; everything else by the static system:node rules. Requests from any
// other user get no opinion, and so go on to RBAC. Reasons are kube-apiserver's, word for word.
import { goQuote, parseFieldSelector } from '@kubemu/api';
import type { PersistentVolumeClaim, Pod } from '@kubemu/api';
import type { UserInfo } from '../user';
import { nodeIdentity } from '../user';
import type { AuthorizationResult, Authorizer, RequestAttributes, RuleResolver, RulesResult } from './attributes';
import { ALLOW } from './attributes';
import { podReferences } from './node-references';
import type { PolicyRule } from './rbac/rule-matching';
import { rulesAllow } from './rbac/rule-matching';

/**
 * The relations the authorizer follows, from the apiserver's watch cache. Pods are those with
 * spec.nodeName set to the node. Without `persistentVolumeClaim`, no volume is ever related to a
 * node (a claim names its volume in spec.volumeName).
 */
export interface NodeGraph {
  podsOnNode(nodeName: string): readonly Pod[];
  persistentVolumeClaim?(namespace: string, name: string): PersistentVolumeClaim | undefined;
}

type VertexType = 'pod' | 'secret' | 'configmap' | 'persistentvolumeclaim' | 'persistentvolume' | 'serviceAccount';

const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const noOpinion = (reason: string): AuthorizationResult => ({ decision: 'noOpinion', reason });

export class NodeAuthorizer implements Authorizer, RuleResolver {
  constructor(
    private readonly graph: NodeGraph,
    private readonly nodeRules: readonly PolicyRule[],
  ) {}

  authorize(attrs: RequestAttributes): AuthorizationResult {
    const { isNode, nodeName } = nodeIdentity(attrs.user);
    if (!isNode) return noOpinion('');
    if (nodeName === '') return noOpinion(`unknown node for user ${goQuote(attrs.user.username)}`);
    if (attrs.resourceRequest) {
      const group = attrs.apiGroup ?? '';
      const key = `${group}/${attrs.resource ?? ''}`;
      switch (key) {
        case '/secrets':
          return this.readNamespacedObject(nodeName, 'secret', attrs);
        case '/configmaps':
          return this.readNamespacedObject(nodeName, 'configmap', attrs);
        case '/persistentvolumeclaims':
          if (attrs.subresource === 'status') return this.statusUpdate(nodeName, 'persistentvolumeclaim', attrs);
          return this.get(nodeName, 'persistentvolumeclaim', attrs);
        case '/persistentvolumes':
          return this.get(nodeName, 'persistentvolume', attrs);
        case '/serviceaccounts':
          return this.createToken(nodeName, attrs);
        case 'coordination.k8s.io/leases':
          return lease(nodeName, attrs);
        case '/nodes':
          return node(nodeName, attrs);
        case '/pods':
          return this.pod(nodeName, attrs);
      }
    }
    return rulesAllow(attrs, this.nodeRules) ? ALLOW : noOpinion('');
  }

  /** Nodes' permissions depend on the graph, so they cannot be listed (as kube-apiserver says). */
  rulesFor(user: UserInfo, _namespace: string): RulesResult {
    if (!nodeIdentity(user).isNode) return { resourceRules: [], nonResourceRules: [], incomplete: false };
    return { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' };
  }

  private statusUpdate(nodeName: string, type: VertexType, attrs: RequestAttributes): AuthorizationResult {
    if (attrs.verb !== 'update' && attrs.verb !== 'patch') return noOpinion('can only get/update/patch this type');
    if (attrs.subresource !== 'status') return noOpinion('can only update status subresource');
    return this.related(nodeName, type, attrs);
  }

  private get(nodeName: string, type: VertexType, attrs: RequestAttributes): AuthorizationResult {
    if (attrs.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (attrs.subresource) return noOpinion('cannot get subresource');
    return this.related(nodeName, type, attrs);
  }

  private readNamespacedObject(nodeName: string, type: VertexType, attrs: RequestAttributes): AuthorizationResult {
    if (attrs.verb !== 'get' && attrs.verb !== 'list' && attrs.verb !== 'watch') return noOpinion('can only read resources of this type');
    if (attrs.subresource) return noOpinion('cannot read subresource');
    if (!attrs.namespace) return noOpinion('can only read namespaced object of this type');
    return this.related(nodeName, type, attrs);
  }

  private createToken(nodeName: string, attrs: RequestAttributes): AuthorizationResult {
    if (attrs.verb !== 'create' || !attrs.name) return noOpinion('can only create tokens for individual service accounts');
    if (attrs.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
    return this.hasPathFrom(nodeName, 'serviceAccount', attrs.namespace ?? '', attrs.name) ? ALLOW : unrelated(nodeName);
  }

  private pod(nodeName: string, attrs: RequestAttributes): AuthorizationResult {
    switch (attrs.subresource ?? '') {
      case '':
        switch (attrs.verb) {
          case 'get':
            return this.get(nodeName, 'pod', attrs);
          case 'list':
          case 'watch':
            if (selectsNode(attrs.fieldSelector, nodeName)) return ALLOW;
            if (attrs.name) return this.related(nodeName, 'pod', attrs);
            return noOpinion('can only list/watch pods with spec.nodeName field selector');
          case 'create':
          case 'delete':
            // Mirror pods of static pods; NodeRestriction admission limits them to the node itself.
            return ALLOW;
        }
        break;
      case 'status':
        // Status of the pods the kubelet runs; NodeRestriction admission limits it to bound pods.
        if (attrs.verb === 'update' || attrs.verb === 'patch') return ALLOW;
        break;
      case 'eviction':
        if (attrs.verb === 'create') return ALLOW;
        break;
    }
    return noOpinion('');
  }

  private related(nodeName: string, type: VertexType, attrs: RequestAttributes): AuthorizationResult {
    if (!attrs.name) return noOpinion('No Object name found');
    return this.hasPathFrom(nodeName, type, attrs.namespace ?? '', attrs.name) ? ALLOW : unrelated(nodeName);
  }

  /** Whether the object is a pod bound to the node, or something such a pod refers to. */
  private hasPathFrom(nodeName: string, type: VertexType, namespace: string, name: string): boolean {
    const pods = this.graph.podsOnNode(nodeName).filter((p) => p.spec?.nodeName === nodeName);
    if (type === 'persistentvolume') {
      return pods.some((p) =>
        [...podReferences(p).persistentVolumeClaims].some(
          (claim) => this.graph.persistentVolumeClaim?.(p.metadata?.namespace ?? '', claim)?.spec?.volumeName === name,
        ),
      );
    }
    const inNamespace = pods.filter((p) => (p.metadata?.namespace ?? '') === namespace);
    switch (type) {
      case 'pod':
        return inNamespace.some((p) => p.metadata?.name === name);
      case 'secret':
        return inNamespace.some((p) => podReferences(p).secrets.has(name));
      case 'configmap':
        return inNamespace.some((p) => podReferences(p).configMaps.has(name));
      case 'persistentvolumeclaim':
        return inNamespace.some((p) => podReferences(p).persistentVolumeClaims.has(name));
      case 'serviceAccount':
        return inNamespace.some((p) => podReferences(p).serviceAccount === name);
    }
  }
}

const unrelated = (nodeName: string): AuthorizationResult => noOpinion(`no relationship found between node '${nodeName}' and this object`);

function lease(nodeName: string, attrs: RequestAttributes): AuthorizationResult {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) {
    return noOpinion('can only get, create, update, patch, or delete a node lease');
  }
  if (attrs.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  // On create the name is in the body, which an authorizer does not see; admission checks it.
  if (attrs.verb !== 'create' && attrs.name !== nodeName) return noOpinion('can only access node lease with the same name as the requesting node');
  return ALLOW;
}

function node(nodeName: string, attrs: RequestAttributes): AuthorizationResult {
  switch (attrs.subresource ?? '') {
    case '':
      switch (attrs.verb) {
        case 'create':
        case 'update':
        case 'patch':
          // NodeRestriction admission limits a node to its own Node object.
          return ALLOW;
        case 'get':
        case 'list':
        case 'watch': {
          // By name rather than the graph, so that a kubelet can look for its Node before creating it.
          const name = attrs.name ?? '';
          if (name === nodeName) return ALLOW;
          if (name === '') return noOpinion(`node '${nodeName}' cannot read all nodes, only its own Node object`);
          return noOpinion(`node '${nodeName}' cannot read '${name}', only its own Node object`);
        }
      }
      break;
    case 'status':
      if (attrs.verb === 'update' || attrs.verb === 'patch') return ALLOW;
      break;
  }
  return noOpinion('');
}

/** Whether a field selector has the requirement spec.nodeName=<node>. */
function selectsNode(fieldSelector: string | undefined, nodeName: string): boolean {
  if (!fieldSelector) return false;
  try {
    return parseFieldSelector(fieldSelector).requirements.some(
      (r) => r.field === 'spec.nodeName' && (r.operator === '=' || r.operator === '==') && r.value === nodeName,
    );
  } catch {
    return false;
  }
}
