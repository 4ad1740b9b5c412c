// Every controller this kube-controller-manager can run, by its --controllers name. One line per
// controller: helpers working on different controllers each edit only their own lines.
import type { ControllerFactory } from '../controller';
import { newDeploymentController } from './deployment/deployment-controller';
import { newEndpointsController } from './endpoints/endpoints-controller';
import { newGarbageCollector } from './garbagecollector/garbage-collector';
import { newNamespaceController } from './namespace/namespace-controller';
import { newReplicaSetController } from './replicaset/replica-set-factory';
import { newReplicationController } from './replicationcontroller/replication-controller-factory';
import { newRootCaCertPublisher } from './serviceaccount/root-ca-cert-publisher';
import { newServiceAccountsController } from './serviceaccount/serviceaccounts-controller';
import { newCronJobController } from './cronjob/cronjob-controller';
import { newDaemonSetController } from './daemonset/daemonset-controller';
import { newHorizontalPodAutoscalerController } from './horizontalpodautoscaler/hpa-controller';
import { newJobController } from './job/job-controller';
import { newTtlAfterFinishedController } from './job/ttl-after-finished-controller';
import { newNodeIpamController } from './nodeipam/node-ipam-controller';
import { newNodeLifecycleController } from './nodelifecycle/node-lifecycle-controller';
import { newTaintEvictionController } from './nodelifecycle/taint-eviction-controller';
import { newPersistentVolumeBinderController } from './persistentvolume/pv-binder-controller';
import { newStatefulSetController } from './statefulset/statefulset-controller';

export const CONTROLLERS: Readonly<Record<string, ControllerFactory>> = {
  deployment: newDeploymentController,
  endpoint: newEndpointsController,
  garbagecollector: newGarbageCollector,
  namespace: newNamespaceController,
  replicaset: newReplicaSetController,
  replicationcontroller: newReplicationController,
  'root-ca-cert-publisher': newRootCaCertPublisher,
  serviceaccount: newServiceAccountsController,
  cronjob: newCronJobController,
  daemonset: newDaemonSetController,
  horizontalpodautoscaling: newHorizontalPodAutoscalerController,
  job: newJobController,
  nodeipam: newNodeIpamController,
  nodelifecycle: newNodeLifecycleController,
  'persistentvolume-binder': newPersistentVolumeBinderController,
  statefulset: newStatefulSetController,
  'taint-eviction-controller': newTaintEvictionController,
  'ttl-after-finished': newTtlAfterFinishedController,
};

/** Controllers `--controllers=*` leaves out (kube: bootstrapsigner, tokencleaner); none here yet. */
export const DISABLED_BY_DEFAULT: ReadonlySet<string> = new Set<string>();
