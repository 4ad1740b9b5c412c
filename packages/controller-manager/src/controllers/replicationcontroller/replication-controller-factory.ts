// The `replicationcontroller` entry of --controllers: the ReplicaSet engine over core/v1
// ReplicationControllers (map selectors, events from "replication-controller").
import type { ReplicationController } from '@kubemu/api';
import type { ControllerFactory } from '../../controller';
import { REPLICATION_CONTROLLER_KIND } from '../replicaset/replica-kind';
import { ReplicaSetController } from '../replicaset/replica-set-controller';

export const newReplicationController: ControllerFactory = (ctx) => new ReplicaSetController<ReplicationController>(ctx, REPLICATION_CONTROLLER_KIND);
