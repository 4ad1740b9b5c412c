// Kubernetes object types, taken from @kubernetes/client-node's generated models (type-only: nothing
// of that library is loaded at run time). The library is an ECMAScript module and this package is
// CommonJS, hence the `resolution-mode` attribute on every import.
//
// The generated models type timestamps as `Date` because the library revives them; objects here are
// the JSON that crosses the wire and sits in the store, so `Wire<T>` turns every Date into its
// RFC 3339 string and drops nothing else.
import type * as k8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

export type Wire<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/** Any object with TypeMeta and ObjectMeta, as stored and served. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export type ObjectMeta = Wire<k8s.V1ObjectMeta>;
export type OwnerReference = Wire<k8s.V1OwnerReference>;
export type LabelSelector = Wire<k8s.V1LabelSelector>;
export type LabelSelectorRequirement = Wire<k8s.V1LabelSelectorRequirement>;
export type Status = Wire<k8s.V1Status>;
export type StatusDetails = Wire<k8s.V1StatusDetails>;
export type StatusCause = Wire<k8s.V1StatusCause>;

// core/v1
export type Pod = Wire<k8s.V1Pod>;
export type PodSpec = Wire<k8s.V1PodSpec>;
export type PodTemplateSpec = Wire<k8s.V1PodTemplateSpec>;
export type Container = Wire<k8s.V1Container>;
export type Probe = Wire<k8s.V1Probe>;
export type ContainerPort = Wire<k8s.V1ContainerPort>;
export type ResourceRequirements = Wire<k8s.V1ResourceRequirements>;
export type Service = Wire<k8s.V1Service>;
export type ServicePort = Wire<k8s.V1ServicePort>;
export type Endpoints = Wire<k8s.V1Endpoints>;
export type Node = Wire<k8s.V1Node>;
export type Namespace = Wire<k8s.V1Namespace>;
export type ConfigMap = Wire<k8s.V1ConfigMap>;
export type Secret = Wire<k8s.V1Secret>;
export type ServiceAccount = Wire<k8s.V1ServiceAccount>;
export type Event = Wire<k8s.CoreV1Event>;
export type ReplicationController = Wire<k8s.V1ReplicationController>;
export type PersistentVolume = Wire<k8s.V1PersistentVolume>;
export type PersistentVolumeClaim = Wire<k8s.V1PersistentVolumeClaim>;
export type Binding = Wire<k8s.V1Binding>;
export type Scale = Wire<k8s.V1Scale>;
export type Eviction = Wire<k8s.V1Eviction>;

// apps/v1
export type Deployment = Wire<k8s.V1Deployment>;
export type ReplicaSet = Wire<k8s.V1ReplicaSet>;
export type StatefulSet = Wire<k8s.V1StatefulSet>;
export type DaemonSet = Wire<k8s.V1DaemonSet>;
export type ControllerRevision = Wire<k8s.V1ControllerRevision>;

// batch/v1
export type Job = Wire<k8s.V1Job>;
export type CronJob = Wire<k8s.V1CronJob>;

// coordination.k8s.io/v1
export type Lease = Wire<k8s.V1Lease>;

// networking.k8s.io/v1
export type Ingress = Wire<k8s.V1Ingress>;
export type NetworkPolicy = Wire<k8s.V1NetworkPolicy>;

// autoscaling/v2
export type HorizontalPodAutoscaler = Wire<k8s.V2HorizontalPodAutoscaler>;

// rbac.authorization.k8s.io/v1
export type Role = Wire<k8s.V1Role>;
export type ClusterRole = Wire<k8s.V1ClusterRole>;
export type RoleBinding = Wire<k8s.V1RoleBinding>;
export type ClusterRoleBinding = Wire<k8s.V1ClusterRoleBinding>;
