// The kinds whose protobuf encoding kubemu decodes: every kind an imperative `kubectl create <kind>`
// (1.32) sends as application/vnd.kubernetes.protobuf, and what kubectl's other typed calls send
// (auth can-i, auth whoami, create token, autoscale). `kubectl run` and `kubectl drain` send JSON.
// Other kinds are answered 415, which tells the client to send JSON.

export interface ProtobufKind {
  readonly apiVersion: string;
  readonly kind: string;
  /** The short name of the message in the schema. */
  readonly message: string;
}

export const PROTOBUF_KINDS: readonly ProtobufKind[] = [
  { apiVersion: 'v1', kind: 'Pod', message: 'Pod' },
  { apiVersion: 'v1', kind: 'Service', message: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap', message: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret', message: 'Secret' },
  { apiVersion: 'v1', kind: 'Namespace', message: 'Namespace' },
  { apiVersion: 'v1', kind: 'ServiceAccount', message: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'ResourceQuota', message: 'ResourceQuota' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', message: 'Ingress' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', message: 'PodDisruptionBudget' },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', message: 'PriorityClass' },
  { apiVersion: 'apps/v1', kind: 'Deployment', message: 'Deployment' },
  { apiVersion: 'batch/v1', kind: 'Job', message: 'Job' },
  { apiVersion: 'batch/v1', kind: 'CronJob', message: 'CronJob' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', message: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', message: 'RoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', message: 'ClusterRole' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', message: 'ClusterRoleBinding' },
  // Sent by kubectl auth can-i / auth whoami / create token / drain / autoscale.
  { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', message: 'SelfSubjectAccessReview' },
  { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', message: 'SelfSubjectReview' },
  { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', message: 'TokenRequest' },
  { apiVersion: 'policy/v1', kind: 'Eviction', message: 'Eviction' },
  { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', message: 'HorizontalPodAutoscaler' },
];

const BY_TYPE = new Map(PROTOBUF_KINDS.map((k) => [`${k.apiVersion}|${k.kind}`, k.message]));

/** The schema message for apiVersion/kind, or undefined when kubemu cannot decode it. */
export function protobufMessageFor(apiVersion: string, kind: string): string | undefined {
  return BY_TYPE.get(`${apiVersion}|${kind}`);
}
