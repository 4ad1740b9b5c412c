// What differs between a ReplicaSet and a ReplicationController for the controller they share:
// the resource, the owner's kind in controller references, the event source and the selector
// shape (a LabelSelector versus a plain map, where an empty map selects everything).
import { mustFindResource, Selector, selectorFromLabelSelector } from '@kubemu/api';
import type { KubeObject, PodTemplateSpec, ReplicaSet, ReplicationController, ResourceInfo } from '@kubemu/api';

export interface ReplicaCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** The status both kinds carry (ReplicaSetStatus and ReplicationControllerStatus agree field by field). */
export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaCondition[];
}

export interface ReplicaKind<T extends KubeObject> {
  /** --controllers name: replicaset, replicationcontroller. */
  readonly name: string;
  readonly resource: ResourceInfo;
  readonly apiVersion: string;
  readonly kind: string;
  /** Event source component. */
  readonly eventSource: string;
  /** Throws LabelSelectorParseError for an invalid selector. */
  selector(owner: T): Selector;
  replicas(owner: T): number;
  minReadySeconds(owner: T): number;
  template(owner: T): PodTemplateSpec | undefined;
  status(owner: T): ReplicaStatus | undefined;
}


export const REPLICA_SET_KIND: ReplicaKind<ReplicaSet> = {
  name: 'replicaset',
  resource: mustFindResource('apps', 'replicasets'),
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  eventSource: 'replicaset-controller',
  selector: (rs) => selectorFromLabelSelector(rs.spec?.selector),
  replicas: (rs) => rs.spec?.replicas ?? 1,
  minReadySeconds: (rs) => rs.spec?.minReadySeconds ?? 0,
  template: (rs) => rs.spec?.template,
  status: (rs) => rs.status as ReplicaStatus | undefined,
};

export const REPLICATION_CONTROLLER_KIND: ReplicaKind<ReplicationController> = {
  name: 'replicationcontroller',
  resource: mustFindResource('', 'replicationcontrollers'),
  apiVersion: 'v1',
  kind: 'ReplicationController',
  eventSource: 'replication-controller',
  // labels.Set(rc.Spec.Selector).AsSelectorPreValidated(): a map of equalities; empty selects all.
  selector: (rc) => (rc.spec?.selector === undefined ? Selector.everything() : selectorFromLabelSelector({ matchLabels: rc.spec.selector })),
  replicas: (rc) => rc.spec?.replicas ?? 1,
  minReadySeconds: (rc) => rc.spec?.minReadySeconds ?? 0,
  template: (rc) => rc.spec?.template,
  status: (rc) => rc.status as ReplicaStatus | undefined,
};
