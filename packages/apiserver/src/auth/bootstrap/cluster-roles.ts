// The ClusterRoles kube-apiserver's RBAC bootstrap creates (bootstrappolicy.ClusterRoles), rules
// copied as facts from Kubernetes' published policy. The user-facing roles admin, edit and view are
// aggregated from the system:aggregate-to-* roles through labels.
import type { ClusterRole } from '@kubemu/api';
import type { PolicyRule } from '../authz/rbac/rule-matching';
import { LEGACY, READ, READ_WRITE, RBAC_GROUP, WRITE, clusterRole, eventsRule, rule, urls } from './rule-builder';

const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';
const COORD = 'coordination.k8s.io';
const STORAGE = 'storage.k8s.io';
const CERTS = 'certificates.k8s.io';

export const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
export const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
export const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

/**
 * The system:node role's rules. kube-apiserver creates the role but binds it to nobody: the Node
 * authorizer applies these rules itself to kubelets, after its finer checks (kubeadm adds no
 * binding either).
 */
export function nodeRules(): PolicyRule[] {
  return [
    rule(['create'], [AUTHN], ['tokenreviews']),
    rule(['create'], [AUTHZ], ['localsubjectaccessreviews', 'subjectaccessreviews']),
    rule(READ, [LEGACY], ['services']),
    rule(['create', 'get', 'list', 'watch'], [LEGACY], ['nodes']),
    rule(['update', 'patch'], [LEGACY], ['nodes/status']),
    rule(['update', 'patch'], [LEGACY], ['nodes']),
    rule(['create', 'update', 'patch'], [LEGACY], ['events']),
    rule(READ, [LEGACY], ['pods']),
    rule(['create', 'delete'], [LEGACY], ['pods']),
    rule(['update', 'patch'], [LEGACY], ['pods/status']),
    rule(['create'], [LEGACY], ['pods/eviction']),
    rule(READ, [LEGACY], ['configmaps', 'secrets']),
    rule(['get'], [LEGACY], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], [LEGACY], ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], [CERTS], ['certificatesigningrequests']),
    rule(['create', 'delete', 'get', 'patch', 'update'], [COORD], ['leases']),
    rule(['get'], [STORAGE], ['volumeattachments']),
    rule(['create'], [LEGACY], ['serviceaccounts/token']),
    rule(['get', 'update', 'patch'], [LEGACY], ['persistentvolumeclaims/status']),
    rule(READ, [STORAGE], ['csidrivers']),
    rule(['create', 'delete', 'get', 'patch', 'update'], [STORAGE], ['csinodes']),
    rule(READ, ['node.k8s.io'], ['runtimeclasses']),
  ];
}

function aggregateToView(): PolicyRule[] {
  return [
    rule(READ, [LEGACY], [
      'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status',
      'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps',
    ]),
    rule(READ, [LEGACY], [
      'limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status',
      'replicationcontrollers/status', 'pods/log',
    ]),
    // Reading namespaces in a namespace means reading that namespace: a hint of where one has access.
    rule(READ, [LEGACY], ['namespaces']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(READ, ['apps'], [
      'controllerrevisions', 'statefulsets', 'statefulsets/scale', 'statefulsets/status', 'daemonsets', 'daemonsets/status',
      'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status',
    ]),
    rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
    rule(READ, ['extensions'], [
      'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status',
      'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies',
    ]),
    rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
  ];
}

function aggregateToEdit(): PolicyRule[] {
  return [
    // Reading these can escalate (secrets, exec), so view does not have them.
    rule(READ, [LEGACY], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
    rule(['impersonate'], [LEGACY], ['serviceaccounts']),
    rule(WRITE, [LEGACY], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
    rule(['create'], [LEGACY], ['pods/eviction']),
    rule(WRITE, [LEGACY], [
      'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy',
      'persistentvolumeclaims', 'configmaps', 'secrets', 'events',
    ]),
    rule(['create'], [LEGACY], ['serviceaccounts/token']),
    rule(WRITE, ['apps'], [
      'statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback',
      'replicasets', 'replicasets/scale',
    ]),
    rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
    rule(WRITE, ['extensions'], [
      'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale',
      'replicationcontrollers/scale', 'networkpolicies',
    ]),
    rule(WRITE, ['policy'], ['poddisruptionbudgets']),
    rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
    rule(READ_WRITE, [COORD], ['leases']),
  ];
}

function aggregateToAdmin(): PolicyRule[] {
  return [rule(['create'], [AUTHZ], ['localsubjectaccessreviews']), rule(READ_WRITE, [RBAC_GROUP], ['roles', 'rolebindings'])];
}

function leaderRules(leaseName: string): PolicyRule[] {
  return [eventsRule(), rule(['create'], [COORD], ['leases']), rule(['get', 'update'], [COORD], ['leases'], [leaseName])];
}

function signerApprover(signer: string): PolicyRule[] {
  return [rule(['approve'], [CERTS], ['signers'], [signer])];
}

export function clusterRoles(): ClusterRole[] {
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('system:discovery', [
      urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*']),
    ]),
    clusterRole('system:monitoring', [
      urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*']),
    ]),
    clusterRole('system:basic-user', [
      rule(['create'], [AUTHZ], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], [AUTHN], ['selfsubjectreviews']),
    ]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])]),
    clusterRole('admin', [], { aggregateFrom: AGGREGATE_TO_ADMIN }),
    clusterRole('edit', [], { aggregateFrom: AGGREGATE_TO_EDIT, labels: { [AGGREGATE_TO_ADMIN]: 'true' } }),
    clusterRole('view', [], { aggregateFrom: AGGREGATE_TO_VIEW, labels: { [AGGREGATE_TO_EDIT]: 'true' } }),
    clusterRole('system:aggregate-to-admin', aggregateToAdmin(), { labels: { [AGGREGATE_TO_ADMIN]: 'true' } }),
    clusterRole('system:aggregate-to-edit', aggregateToEdit(), { labels: { [AGGREGATE_TO_EDIT]: 'true' } }),
    clusterRole('system:aggregate-to-view', aggregateToView(), { labels: { [AGGREGATE_TO_VIEW]: 'true' } }),
    clusterRole('system:heapster', [
      rule(READ, [LEGACY], ['events', 'pods', 'nodes', 'namespaces']),
      rule(READ, ['extensions'], ['deployments']),
    ]),
    clusterRole('system:node', nodeRules()),
    clusterRole('system:node-problem-detector', [
      rule(['get'], [LEGACY], ['nodes']),
      rule(['patch'], [LEGACY], ['nodes/status']),
      eventsRule(),
    ]),
    clusterRole('system:kubelet-api-admin', [
      rule(READ, [LEGACY], ['nodes']),
      rule(['proxy'], [LEGACY], ['nodes']),
      rule(['*'], [LEGACY], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
    ]),
    clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], [CERTS], ['certificatesigningrequests'])]),
    clusterRole('system:auth-delegator', [rule(['create'], [AUTHN], ['tokenreviews']), rule(['create'], [AUTHZ], ['subjectaccessreviews'])]),
    clusterRole('system:kube-aggregator', [rule(READ, [LEGACY], ['services', 'endpoints'])]),
    clusterRole('system:kube-controller-manager', [
      ...leaderRules('kube-controller-manager'),
      // It creates the service accounts and token secrets the controllers then run as.
      rule(['create'], [LEGACY], ['secrets', 'serviceaccounts']),
      rule(['delete'], [LEGACY], ['secrets']),
      rule(['get'], [LEGACY], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
      rule(['update'], [LEGACY], ['secrets', 'serviceaccounts']),
      rule(['create'], [AUTHN], ['tokenreviews']),
      rule(['create'], [AUTHZ], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [LEGACY], ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-dns', [rule(['list', 'watch'], [LEGACY], ['endpoints', 'services'])]),
    clusterRole('system:persistent-volume-provisioner', [
      rule(['get', 'list', 'watch', 'create', 'delete'], [LEGACY], ['persistentvolumes']),
      rule(['get', 'list', 'watch', 'update'], [LEGACY], ['persistentvolumeclaims']),
      rule(READ, [STORAGE], ['storageclasses']),
      rule(['watch'], [LEGACY], ['events']),
      eventsRule(),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
      rule(['create'], [CERTS], ['certificatesigningrequests/nodeclient']),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
      rule(['create'], [CERTS], ['certificatesigningrequests/selfnodeclient']),
    ]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', signerApprover('kubernetes.io/kube-apiserver-client')),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', signerApprover('kubernetes.io/kube-apiserver-client-kubelet')),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', signerApprover('kubernetes.io/kubelet-serving')),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', signerApprover('kubernetes.io/legacy-unknown')),
    clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])]),
    clusterRole('system:node-proxier', [
      rule(['list', 'watch'], [LEGACY], ['services', 'endpoints']),
      rule(READ, [LEGACY], ['nodes']),
      eventsRule(),
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ]),
    clusterRole('system:kube-scheduler', [
      ...leaderRules('kube-scheduler'),
      rule(READ, [LEGACY], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [LEGACY], ['pods']),
      rule(['create'], [LEGACY], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [LEGACY], ['pods/status']),
      rule(READ, [LEGACY], ['replicationcontrollers', 'services']),
      rule(READ, ['apps', 'extensions'], ['replicasets']),
      rule(READ, ['apps'], ['statefulsets']),
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(READ, [LEGACY], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], [AUTHN], ['tokenreviews']),
      rule(['create'], [AUTHZ], ['subjectaccessreviews']),
      rule(READ, [STORAGE], ['csinodes']),
      rule(READ, [LEGACY], ['namespaces']),
      rule(READ, [STORAGE], ['csidrivers']),
      rule(READ, [STORAGE], ['csistoragecapacities']),
    ]),
    clusterRole('system:volume-scheduler', [
      rule(['get', 'list', 'watch', 'update', 'patch'], [LEGACY], ['persistentvolumes']),
      rule(READ, [STORAGE], ['storageclasses']),
      rule(['get', 'list', 'watch', 'update', 'patch'], [LEGACY], ['persistentvolumeclaims']),
    ]),
  ];
}
