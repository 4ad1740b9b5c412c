// The `replicaset` entry of kube-controller-manager's --controllers.
import type { ReplicaSet } from '@kubemu/api';
import type { ControllerFactory } from '../../controller';
import { REPLICA_SET_KIND } from './replica-kind';
import { ReplicaSetController } from './replica-set-controller';

export const newReplicaSetController: ControllerFactory = (ctx) => new ReplicaSetController<ReplicaSet>(ctx, REPLICA_SET_KIND);
