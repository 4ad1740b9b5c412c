// The roles of kube-controller-manager's controllers (bootstrappolicy.ControllerRoles), each bound
// to the controller's service account in kube-system when the controller manager runs with
// --use-service-account-credentials. Rules copied as facts from Kubernetes' published policy;
// controllers of features kubemu does not emulate (dynamic resources, SELinux, service CIDRs)
// are left out.
import type { ClusterRole, ClusterRoleBinding } from '@kubemu/api';
import type { PolicyRule } from '../authz/rbac/rule-matching';
import { LEGACY, READ, clusterRole, clusterRoleBinding, eventsRule, rule, serviceAccount } from './rule-builder';

export const CONTROLLER_ROLE_PREFIX = 'system:controller:';
const ALL_CRUD = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const APPS = ['apps', 'extensions'];

const CONTROLLERS: Record<string, () => PolicyRule[]> = {
  'attachdetach-controller': () => [
    rule(['list', 'watch'], [LEGACY], ['persistentvolumes', 'persistentvolumeclaims']),
    rule(READ, [LEGACY], ['nodes']),
    rule(['patch', 'update'], [LEGACY], ['nodes/status']),
    rule(['list', 'watch'], [LEGACY], ['pods']),
    eventsRule(),
    rule(['get', 'create', 'delete', 'list', 'watch'], ['storage.k8s.io'], ['volumeattachments']),
    rule(READ, ['storage.k8s.io'], ['csidrivers']),
    rule(READ, ['storage.k8s.io'], ['csinodes']),
  ],
  'certificate-controller': () => [
    rule(['get', 'list', 'watch', 'delete'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
    rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
    rule(['sign'], ['certificates.k8s.io'], ['signers'], [
      'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving',
      'kubernetes.io/legacy-unknown',
    ]),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    eventsRule(),
  ],
  'clusterrole-aggregation-controller': () => [
    // escalate: it writes into a role rules it does not itself hold.
    rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], ['rbac.authorization.k8s.io'], ['clusterroles']),
  ],
  'cronjob-controller': () => [
    rule(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
    rule(ALL_CRUD, ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['cronjobs/status']),
    rule(['update'], ['batch'], ['cronjobs/finalizers']),
    rule(['list', 'watch', 'delete'], [LEGACY], ['pods']),
    eventsRule(),
  ],
  'daemon-set-controller': () => [
    rule(READ, APPS, ['daemonsets']),
    rule(['update'], APPS, ['daemonsets/status']),
    rule(['update'], APPS, ['daemonsets/finalizers']),
    rule(['list', 'watch'], [LEGACY], ['nodes']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [LEGACY], ['pods']),
    rule(['create'], [LEGACY], ['pods/binding']),
    rule(ALL_CRUD, ['apps'], ['controllerrevisions']),
    eventsRule(),
  ],
  'deployment-controller': () => [
    rule(['get', 'list', 'watch', 'update'], APPS, ['deployments']),
    rule(['update'], APPS, ['deployments/status']),
    rule(['update'], APPS, ['deployments/finalizers']),
    rule(ALL_CRUD, APPS, ['replicasets']),
    // Pods are read for the "Recreate" strategy and updated to adopt or orphan them.
    rule(['get', 'list', 'watch', 'update'], [LEGACY], ['pods']),
    eventsRule(),
  ],
  'disruption-controller': () => [
    rule(READ, APPS, ['deployments']),
    rule(READ, APPS, ['replicasets']),
    rule(READ, [LEGACY], ['replicationcontrollers']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(READ, ['apps'], ['statefulsets']),
    rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
    rule(['patch', 'update'], [LEGACY], ['pods/status']),
    rule(['get'], ['*'], ['*/scale']),
    eventsRule(),
  ],
  'endpoint-controller': () => [
    rule(READ, [LEGACY], ['services', 'pods']),
    rule(['get', 'list', 'create', 'update', 'delete', 'watch'], [LEGACY], ['endpoints']),
    rule(['create'], [LEGACY], ['endpoints/restricted']),
    eventsRule(),
  ],
  'endpointslice-controller': () => [
    rule(READ, [LEGACY], ['services', 'pods', 'nodes']),
    rule(['update'], [LEGACY], ['services/finalizers']),
    rule(['get', 'list', 'create', 'update', 'delete', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    eventsRule(),
  ],
  'endpointslicemirroring-controller': () => [
    rule(READ, [LEGACY], ['services', 'endpoints']),
    rule(['update'], [LEGACY], ['services/finalizers']),
    rule(['update'], [LEGACY], ['endpoints/finalizers']),
    rule(['get', 'list', 'create', 'update', 'delete', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    eventsRule(),
  ],
  'ephemeral-volume-controller': () => [
    rule(READ, [LEGACY], ['pods']),
    rule(['update'], [LEGACY], ['pods/finalizers']),
    rule(['get', 'list', 'watch', 'create'], [LEGACY], ['persistentvolumeclaims']),
    eventsRule(),
  ],
  'expand-controller': () => [
    rule(['get', 'list', 'watch', 'update', 'patch'], [LEGACY], ['persistentvolumes']),
    rule(['update', 'patch'], [LEGACY], ['persistentvolumeclaims/status']),
    rule(READ, [LEGACY], ['persistentvolumeclaims']),
    eventsRule(),
  ],
  'generic-garbage-collector': () => [rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']), eventsRule()],
  'horizontal-pod-autoscaler': () => [
    rule(READ, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(['list', 'watch'], [LEGACY], ['pods']),
    rule(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
    rule(READ, ['custom.metrics.k8s.io'], ['*']),
    rule(READ, ['external.metrics.k8s.io'], ['*']),
    eventsRule(),
  ],
  'job-controller': () => [
    rule(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['jobs/status']),
    rule(['update'], ['batch'], ['jobs/finalizers']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [LEGACY], ['pods']),
    eventsRule(),
  ],
  'legacy-service-account-token-cleaner': () => [
    rule(['get'], [LEGACY], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
    rule(['delete', 'patch'], [LEGACY], ['secrets']),
  ],
  'namespace-controller': () => [
    rule(['get', 'list', 'watch', 'delete'], [LEGACY], ['namespaces']),
    rule(['update'], [LEGACY], ['namespaces/finalize', 'namespaces/status']),
    rule(['get', 'list', 'delete', 'deletecollection', 'watch'], ['*'], ['*']),
  ],
  'node-controller': () => [
    rule(['get', 'list', 'update', 'delete', 'patch', 'watch'], [LEGACY], ['nodes']),
    rule(['patch', 'update'], [LEGACY], ['nodes/status']),
    rule(['patch', 'update'], [LEGACY], ['pods/status']),
    rule(['list', 'get', 'delete', 'watch'], [LEGACY], ['pods']),
    eventsRule(),
  ],
  'persistent-volume-binder': () => [
    rule(['get', 'list', 'watch', 'update', 'create', 'delete'], [LEGACY], ['persistentvolumes']),
    rule(['update'], [LEGACY], ['persistentvolumes/status']),
    rule(['get', 'list', 'watch', 'update'], [LEGACY], ['persistentvolumeclaims']),
    rule(['update'], [LEGACY], ['persistentvolumeclaims/status']),
    rule(['list', 'watch', 'get', 'create', 'delete'], [LEGACY], ['pods']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
    rule(['list', 'watch'], [LEGACY], ['nodes']),
    eventsRule(),
    rule(['watch'], [LEGACY], ['events']),
  ],
  'pod-garbage-collector': () => [
    rule(['list', 'watch', 'delete'], [LEGACY], ['pods']),
    rule(READ, [LEGACY], ['nodes']),
    rule(['patch'], [LEGACY], ['pods/status']),
  ],
  'pv-protection-controller': () => [rule(['get', 'list', 'watch', 'update'], [LEGACY], ['persistentvolumes']), eventsRule()],
  'pvc-protection-controller': () => [
    rule(['get', 'list', 'watch', 'update'], [LEGACY], ['persistentvolumeclaims']),
    rule(['update'], [LEGACY], ['persistentvolumeclaims/status']),
    rule(READ, [LEGACY], ['pods']),
    eventsRule(),
  ],
  'replicaset-controller': () => [
    rule(['get', 'list', 'watch', 'update'], APPS, ['replicasets']),
    rule(['update'], APPS, ['replicasets/status']),
    rule(['update'], APPS, ['replicasets/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [LEGACY], ['pods']),
    eventsRule(),
  ],
  'replication-controller': () => [
    rule(['get', 'list', 'watch', 'update'], [LEGACY], ['replicationcontrollers']),
    rule(['update'], [LEGACY], ['replicationcontrollers/status']),
    rule(['update'], [LEGACY], ['replicationcontrollers/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [LEGACY], ['pods']),
    eventsRule(),
  ],
  'resourcequota-controller': () => [
    rule(['list', 'watch'], ['*'], ['*']),
    rule(['update'], [LEGACY], ['resourcequotas/status']),
    eventsRule(),
  ],
  'root-ca-cert-publisher': () => [rule(['create', 'update'], [LEGACY], ['configmaps']), eventsRule()],
  'route-controller': () => [rule(['list', 'watch'], [LEGACY], ['nodes']), rule(['patch'], [LEGACY], ['nodes/status']), eventsRule()],
  'service-account-controller': () => [rule(['create'], [LEGACY], ['serviceaccounts']), eventsRule()],
  'service-controller': () => [
    rule(READ, [LEGACY], ['services']),
    rule(['patch', 'update'], [LEGACY], ['services/status']),
    rule(['list', 'watch'], [LEGACY], ['nodes']),
    eventsRule(),
  ],
  'statefulset-controller': () => [
    rule(['list', 'watch'], [LEGACY], ['pods']),
    rule(READ, ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status']),
    rule(['update'], ['apps'], ['statefulsets/finalizers']),
    rule(['get', 'create', 'delete', 'update', 'patch'], [LEGACY], ['pods']),
    rule(ALL_CRUD, ['apps'], ['controllerrevisions']),
    rule(['get', 'create', 'list', 'watch'], [LEGACY], ['persistentvolumeclaims']),
    // Claims are updated and deleted by the persistentVolumeClaimRetentionPolicy.
    rule(['update', 'delete'], [LEGACY], ['persistentvolumeclaims']),
    rule(['update'], [LEGACY], ['pods/finalizers']),
    eventsRule(),
  ],
  'ttl-after-finished-controller': () => [rule(['delete', 'get', 'list', 'watch'], ['batch'], ['jobs']), eventsRule()],
  'ttl-controller': () => [rule(['update', 'patch', 'list', 'watch'], [LEGACY], ['nodes']), eventsRule()],
  'validatingadmissionpolicy-status-controller': () => [
    rule(READ, ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']),
    rule(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']),
    eventsRule(),
  ],
};

export function controllerRoles(): ClusterRole[] {
  return Object.entries(CONTROLLERS).map(([name, rules]) => clusterRole(CONTROLLER_ROLE_PREFIX + name, rules()));
}

/** Each controller role bound to the service account kube-system/<controller>. */
export function controllerRoleBindings(): ClusterRoleBinding[] {
  return Object.keys(CONTROLLERS).map((name) => clusterRoleBinding(CONTROLLER_ROLE_PREFIX + name, [serviceAccount('kube-system', name)]));
}
