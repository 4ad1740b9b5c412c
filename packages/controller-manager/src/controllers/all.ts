// Every controller this kube-controller-manager can run, by its --controllers name. One line per
// controller: helpers working on different controllers each edit only their own lines.
import type { ControllerFactory } from '../controller';
import { newDeploymentController } from './deployment/deployment-controller';
import { newReplicaSetController } from './replicaset/replica-set-factory';
import { newReplicationController } from './replicationcontroller/replication-controller-factory';

export const CONTROLLERS: Readonly<Record<string, ControllerFactory>> = {
  deployment: newDeploymentController,
  replicaset: newReplicaSetController,
  replicationcontroller: newReplicationController,
};

/** Controllers `--controllers=*` leaves out (kube: bootstrapsigner, tokencleaner); none here yet. */
export const DISABLED_BY_DEFAULT: ReadonlySet<string> = new Set<string>();
