// The RBAC objects kube-apiserver creates at start (its rbac/bootstrap-roles post-start hook), for
// what kubemu runs: cluster roles and their bindings, the controllers' roles and bindings, and the
// Roles in kube-system and kube-public. Every object carries the annotation
// rbac.authorization.kubernetes.io/autoupdate: "true" and the label kubernetes.io/bootstrapping:
// rbac-defaults, by which kube-apiserver reconciles them at every start.
import type { ClusterRoleBinding, KubeObject, Role, RoleBinding } from '@kubemu/api';
import {
  ALL_AUTHENTICATED,
  ALL_SERVICE_ACCOUNTS,
  ALL_UNAUTHENTICATED,
  KUBE_CONTROLLER_MANAGER,
  KUBE_PROXY,
  KUBE_SCHEDULER,
  MONITORING_GROUP,
  SYSTEM_MASTERS,
} from '../user';
import { clusterRoles } from './cluster-roles';
import { controllerRoleBindings, controllerRoles } from './controller-roles';
import { LEGACY, READ, clusterRoleBinding, eventsRule, groups, role, roleBinding, rule, serviceAccount, users } from './rule-builder';

export function clusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding('cluster-admin', groups(SYSTEM_MASTERS)),
    clusterRoleBinding('system:monitoring', groups(MONITORING_GROUP)),
    clusterRoleBinding('system:discovery', groups(ALL_AUTHENTICATED)),
    clusterRoleBinding('system:basic-user', groups(ALL_AUTHENTICATED)),
    clusterRoleBinding('system:public-info-viewer', groups(ALL_AUTHENTICATED, ALL_UNAUTHENTICATED)),
    // Kept without subjects: the Node authorizer grants these rules to kubelets.
    clusterRoleBinding('system:node', []),
    clusterRoleBinding('system:node-proxier', users(KUBE_PROXY)),
    clusterRoleBinding('system:kube-controller-manager', users(KUBE_CONTROLLER_MANAGER)),
    clusterRoleBinding('system:kube-dns', [serviceAccount('kube-system', 'kube-dns')]),
    clusterRoleBinding('system:kube-scheduler', users(KUBE_SCHEDULER)),
    clusterRoleBinding('system:volume-scheduler', users(KUBE_SCHEDULER)),
    clusterRoleBinding('system:service-account-issuer-discovery', groups(ALL_SERVICE_ACCOUNTS)),
  ];
}

const LEADER_LOCKING = [
  rule(['watch', 'get', 'list', 'create', 'update'], ['coordination.k8s.io'], ['leases']),
  rule(['watch', 'get', 'list', 'create', 'update'], ['coordination.k8s.io'], ['leasecandidates']),
];

export function namespaceRoles(): Role[] {
  return [
    role('kube-public', 'system:controller:bootstrap-signer', [
      rule(READ, [LEGACY], ['configmaps']),
      rule(['update'], [LEGACY], ['configmaps'], ['cluster-info']),
      eventsRule(),
    ]),
    role('kube-system', 'extension-apiserver-authentication-reader', [
      rule(READ, [LEGACY], ['configmaps'], ['extension-apiserver-authentication']),
    ]),
    role('kube-system', 'system::leader-locking-kube-controller-manager', LEADER_LOCKING),
    role('kube-system', 'system::leader-locking-kube-scheduler', LEADER_LOCKING),
    role('kube-system', 'system:controller:bootstrap-signer', [rule(READ, [LEGACY], ['secrets'])]),
    role('kube-system', 'system:controller:cloud-provider', [rule(['create', 'get', 'list', 'watch'], [LEGACY], ['configmaps'])]),
    role('kube-system', 'system:controller:token-cleaner', [rule(['delete', 'get', 'list', 'watch'], [LEGACY], ['secrets']), eventsRule()]),
  ];
}

export function namespaceRoleBindings(): RoleBinding[] {
  return [
    roleBinding('kube-public', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [
      serviceAccount('kube-system', 'bootstrap-signer'),
    ]),
    roleBinding(
      'kube-system',
      'system::extension-apiserver-authentication-reader',
      'extension-apiserver-authentication-reader',
      users(KUBE_CONTROLLER_MANAGER, KUBE_SCHEDULER),
    ),
    roleBinding('kube-system', 'system::leader-locking-kube-controller-manager', 'system::leader-locking-kube-controller-manager', [
      ...users(KUBE_CONTROLLER_MANAGER),
      serviceAccount('kube-system', 'kube-controller-manager'),
      serviceAccount('kube-system', 'leader-election-controller'),
    ]),
    roleBinding('kube-system', 'system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler', [
      ...users(KUBE_SCHEDULER),
      serviceAccount('kube-system', 'kube-scheduler'),
    ]),
    roleBinding('kube-system', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [
      serviceAccount('kube-system', 'bootstrap-signer'),
    ]),
    roleBinding('kube-system', 'system:controller:cloud-provider', 'system:controller:cloud-provider', [
      serviceAccount('kube-system', 'cloud-provider'),
    ]),
    roleBinding('kube-system', 'system:controller:token-cleaner', 'system:controller:token-cleaner', [
      serviceAccount('kube-system', 'token-cleaner'),
    ]),
  ];
}

/**
 * Everything the bootstrap creates, cluster roles before the bindings that refer to them and
 * namespaced Roles before their RoleBindings (the kube-system and kube-public namespaces must exist).
 */
export function bootstrapPolicy(): KubeObject[] {
  return [
    ...clusterRoles(),
    ...controllerRoles(),
    ...clusterRoleBindings(),
    ...controllerRoleBindings(),
    ...namespaceRoles(),
    ...namespaceRoleBindings(),
  ] as KubeObject[];
}
