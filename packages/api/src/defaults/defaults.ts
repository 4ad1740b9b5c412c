// Defaulting for every kind that has defaults: pure functions returning a defaulted copy, with the
// values kube-apiserver 1.32 fills in (compare `kubectl get -o yaml` of a freshly created object).
import type { CronJob, DaemonSet, Deployment, Job, KubeObject, Namespace, ReplicaSet, ReplicationController, Secret, Service, StatefulSet } from '../types';
import { defaultPodInPlace, defaultPodTemplateInPlace } from './pod';

function defaultServiceInPlace(svc: Service): void {
  const s = (svc.spec ??= {});
  s.type ??= 'ClusterIP';
  s.sessionAffinity ??= 'None';
  if (s.type !== 'ExternalName') {
    s.internalTrafficPolicy ??= 'Cluster';
    s.ipFamilyPolicy ??= 'SingleStack';
  }
  if (s.type === 'NodePort' || s.type === 'LoadBalancer') s.externalTrafficPolicy ??= 'Cluster';
  if (s.type === 'LoadBalancer') s.allocateLoadBalancerNodePorts ??= true;
  for (const p of s.ports ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
}

function defaultDeploymentInPlace(d: Deployment): void {
  const s = (d.spec ??= { selector: {}, template: {} });
  s.replicas ??= 1;
  const strategy = (s.strategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  s.revisionHistoryLimit ??= 10;
  s.progressDeadlineSeconds ??= 600;
  defaultPodTemplateInPlace(s.template);
}

function defaultReplicaSetInPlace(rs: ReplicaSet): void {
  const s = (rs.spec ??= { selector: {} });
  s.replicas ??= 1;
  defaultPodTemplateInPlace(s.template);
}

function defaultStatefulSetInPlace(sts: StatefulSet): void {
  const s = (sts.spec ??= { selector: {}, template: {} });
  s.replicas ??= 1;
  s.podManagementPolicy ??= 'OrderedReady';
  const us = (s.updateStrategy ??= {});
  us.type ??= 'RollingUpdate';
  if (us.type === 'RollingUpdate') (us.rollingUpdate ??= {}).partition ??= 0;
  s.revisionHistoryLimit ??= 10;
  const retention = (s.persistentVolumeClaimRetentionPolicy ??= {});
  retention.whenDeleted ??= 'Retain';
  retention.whenScaled ??= 'Retain';
  for (const pvc of s.volumeClaimTemplates ?? []) {
    const spec = pvc.spec;
    if (spec) spec.volumeMode ??= 'Filesystem';
  }
  defaultPodTemplateInPlace(s.template);
}

function defaultDaemonSetInPlace(ds: DaemonSet): void {
  const s = (ds.spec ??= { selector: {}, template: {} });
  const us = (s.updateStrategy ??= {});
  us.type ??= 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = (us.rollingUpdate ??= {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  s.revisionHistoryLimit ??= 10;
  defaultPodTemplateInPlace(s.template);
}

function defaultJobInPlace(job: Job): void {
  const s = (job.spec ??= { template: {} });
  // Both unset means one pod to completion; parallelism alone leaves completions unset (a work queue).
  if (s.completions === undefined && s.parallelism === undefined) s.completions = 1;
  s.parallelism ??= 1;
  s.backoffLimit ??= 6;
  s.completionMode ??= 'NonIndexed';
  s.suspend ??= false;
  s.podReplacementPolicy ??= 'TerminatingOrFailed';
  defaultPodTemplateInPlace(s.template);
}

function defaultCronJobInPlace(cj: CronJob): void {
  const s = (cj.spec ??= { schedule: '', jobTemplate: {} });
  s.concurrencyPolicy ??= 'Allow';
  s.suspend ??= false;
  s.successfulJobsHistoryLimit ??= 3;
  s.failedJobsHistoryLimit ??= 1;
  defaultPodTemplateInPlace(s.jobTemplate?.spec?.template);
}

function defaultNamespaceInPlace(ns: Namespace): void {
  (ns.spec ??= {}).finalizers ??= ['kubernetes'];
  (ns.status ??= {}).phase ??= 'Active';
}

function defaultSecretInPlace(secret: Secret): void {
  secret.type ??= 'Opaque';
}

const BY_KIND: Record<string, (obj: never) => void> = {
  Pod: defaultPodInPlace,
  Service: defaultServiceInPlace,
  Deployment: defaultDeploymentInPlace,
  ReplicaSet: defaultReplicaSetInPlace,
  ReplicationController: (rc: ReplicationController) => {
    const s = (rc.spec ??= {});
    s.replicas ??= 1;
    defaultPodTemplateInPlace(s.template);
  },
  StatefulSet: defaultStatefulSetInPlace,
  DaemonSet: defaultDaemonSetInPlace,
  Job: defaultJobInPlace,
  CronJob: defaultCronJobInPlace,
  Namespace: defaultNamespaceInPlace,
  Secret: defaultSecretInPlace,
};

/** A defaulted copy of any object; kinds without defaults come back as an unchanged copy. */
export function applyDefaults<T extends KubeObject>(obj: T): T {
  const copy = structuredClone(obj);
  BY_KIND[copy.kind ?? '']?.(copy as never);
  return copy;
}

const typed =
  <T>(f: (o: T) => void) =>
  (o: T): T => {
    const copy = structuredClone(o);
    f(copy);
    return copy;
  };

export const defaultPod = typed(defaultPodInPlace);
export const defaultService = typed(defaultServiceInPlace);
export const defaultDeployment = typed(defaultDeploymentInPlace);
export const defaultReplicaSet = typed(defaultReplicaSetInPlace);
export const defaultStatefulSet = typed(defaultStatefulSetInPlace);
export const defaultDaemonSet = typed(defaultDaemonSetInPlace);
export const defaultJob = typed(defaultJobInPlace);
export const defaultCronJob = typed(defaultCronJobInPlace);
export const defaultNamespace = typed(defaultNamespaceInPlace);
