// Printers of the workload controllers' objects: Deployments, ReplicaSets, StatefulSets, DaemonSets,
// Jobs, CronJobs, ReplicationControllers and ControllerRevisions.
import type { ControllerRevision, CronJob, DaemonSet, Deployment, Job, KubeObject, ReplicaSet, ReplicationController, StatefulSet } from '@kubemu/api';
import { ageColumn, col, containersColumn, doc, imagesColumn, nameColumn } from './columns';
import { containerCells, formatLabelSelector, formatLabels, humanDuration, parseTime, selectorString, since } from './format';
import type { Printer } from './types';

const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', doc('apps.v1.DeploymentStatus', 'updatedReplicas')),
    col('Available', 'string', doc('apps.v1.DeploymentStatus', 'availableReplicas')),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    col('Selector', 'string', doc('apps.v1.DeploymentSpec', 'selector'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => {
    const d = obj as Deployment;
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    const st = d.status ?? {};
    return {
      cells: [
        d.metadata?.name ?? '',
        `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        st.updatedReplicas ?? 0,
        st.availableReplicas ?? 0,
        since(d.metadata?.creationTimestamp, now),
        names,
        images,
        // printDeployment prints the selector as is: "" when empty, not "<none>".
        selectorString(d.spec?.selector) ?? '<invalid>',
      ],
    };
  },
};

const replicaSetPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Desired', 'integer', doc('apps.v1.ReplicaSetSpec', 'replicas')),
    col('Current', 'integer', doc('apps.v1.ReplicaSetStatus', 'replicas')),
    col('Ready', 'integer', doc('apps.v1.ReplicaSetStatus', 'readyReplicas')),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    col('Selector', 'string', doc('apps.v1.ReplicaSetSpec', 'selector'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => {
    const rs = obj as ReplicaSet;
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return {
      cells: [
        rs.metadata?.name ?? '',
        rs.spec?.replicas ?? 0,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        since(rs.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(rs.spec?.selector),
      ],
    };
  },
};

const replicationControllerPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Desired', 'integer', doc('core.v1.ReplicationControllerSpec', 'replicas')),
    col('Current', 'integer', doc('core.v1.ReplicationControllerStatus', 'replicas')),
    col('Ready', 'integer', doc('core.v1.ReplicationControllerStatus', 'readyReplicas')),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    col('Selector', 'string', doc('core.v1.ReplicationControllerSpec', 'selector'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => {
    const rc = obj as ReplicationController;
    const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
    return {
      cells: [
        rc.metadata?.name ?? '',
        rc.spec?.replicas ?? 0,
        rc.status?.replicas ?? 0,
        rc.status?.readyReplicas ?? 0,
        since(rc.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabels(rc.spec?.selector),
      ],
    };
  },
};

const statefulSetPrinter: Printer = {
  columns: [nameColumn(), col('Ready', 'string', 'Number of the pod with ready state'), ageColumn(), containersColumn(), imagesColumn()],
  row: (obj: KubeObject, now: Date) => {
    const s = obj as StatefulSet;
    const [names, images] = containerCells(s.spec?.template?.spec?.containers);
    return { cells: [s.metadata?.name ?? '', `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`, since(s.metadata?.creationTimestamp, now), names, images] };
  },
};

const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Desired', 'integer', doc('apps.v1.DaemonSetStatus', 'desiredNumberScheduled')),
    col('Current', 'integer', doc('apps.v1.DaemonSetStatus', 'currentNumberScheduled')),
    col('Ready', 'integer', doc('apps.v1.DaemonSetStatus', 'numberReady')),
    col('Up-to-date', 'integer', doc('apps.v1.DaemonSetStatus', 'updatedNumberScheduled')),
    col('Available', 'integer', doc('apps.v1.DaemonSetStatus', 'numberAvailable')),
    col('Node Selector', 'string', doc('core.v1.PodSpec', 'nodeSelector')),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    col('Selector', 'string', doc('apps.v1.DaemonSetSpec', 'selector'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => {
    const ds = obj as DaemonSet;
    const st = ds.status;
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    return {
      cells: [
        ds.metadata?.name ?? '',
        st?.desiredNumberScheduled ?? 0,
        st?.currentNumberScheduled ?? 0,
        st?.numberReady ?? 0,
        st?.updatedNumberScheduled ?? 0,
        st?.numberAvailable ?? 0,
        formatLabels(ds.spec?.template?.spec?.nodeSelector),
        since(ds.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(ds.spec?.selector),
      ],
    };
  },
};

/** The status of the first condition of this type, as printJob's hasJobCondition reads it. */
function jobCondition(job: Job, type: string): boolean {
  return (job.status?.conditions ?? []).find((c) => c.type === type)?.status === 'True';
}

function jobStatus(job: Job): string {
  if (jobCondition(job, 'Complete')) return 'Complete';
  if (jobCondition(job, 'Failed')) return 'Failed';
  if (parseTime(job.metadata?.deletionTimestamp) !== undefined) return 'Terminating';
  if (jobCondition(job, 'Suspended')) return 'Suspended';
  if (jobCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined && job.spec.completions !== null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: Job, now: Date): string {
  const start = parseTime(job.status?.startTime);
  if (start === undefined) return '';
  const end = parseTime(job.status?.completionTime) ?? now.getTime();
  return humanDuration(end - start);
}

const jobPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', doc('batch.v1.JobStatus', 'succeeded')),
    col('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    col('Selector', 'string', doc('batch.v1.JobSpec', 'selector'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => {
    const job = obj as Job;
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return {
      cells: [
        job.metadata?.name ?? '',
        jobStatus(job),
        jobCompletions(job),
        jobDuration(job, now),
        since(job.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(job.spec?.selector),
      ],
    };
  },
};

/** printBoolPtr: "True"/"False", "<unset>" when absent. */
function boolPtr(v: boolean | undefined | null): string {
  if (v === undefined || v === null) return '<unset>';
  return v ? 'True' : 'False';
}

const cronJobPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Schedule', 'string', doc('batch.v1.CronJobSpec', 'schedule')),
    col('Timezone', 'string', doc('batch.v1.CronJobSpec', 'timeZone')),
    col('Suspend', 'boolean', doc('batch.v1.CronJobSpec', 'suspend')),
    col('Active', 'integer', doc('batch.v1.CronJobStatus', 'active')),
    col('Last Schedule', 'string', doc('batch.v1.CronJobStatus', 'lastScheduleTime')),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    col('Selector', 'string', doc('batch.v1.JobSpec', 'selector'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => {
    const cj = obj as CronJob;
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(jobSpec?.template?.spec?.containers);
    const last = cj.status?.lastScheduleTime;
    return {
      cells: [
        cj.metadata?.name ?? '',
        cj.spec?.schedule ?? '',
        cj.spec?.timeZone ?? '<none>',
        boolPtr(cj.spec?.suspend),
        cj.status?.active?.length ?? 0,
        last ? since(last, now) : '<none>',
        since(cj.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(jobSpec?.selector),
      ],
    };
  },
};

/** "daemonset.apps/fluentd": the controller of a revision, as formatResourceName prints a GroupKind and name. */
function controllerOf(obj: KubeObject): string {
  const ref = (obj.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  if (ref === undefined) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  const groupKind = group === '' ? ref.kind : `${ref.kind}.${group}`;
  return groupKind === '' ? ref.name : `${groupKind.toLowerCase()}/${ref.name}`;
}

const controllerRevisionPrinter: Printer = {
  columns: [nameColumn(), col('Controller', 'string', 'Controller of the object'), col('Revision', 'string', doc('apps.v1.ControllerRevision', 'revision')), ageColumn()],
  row: (obj: KubeObject, now: Date) => {
    const rev = obj as ControllerRevision;
    return { cells: [rev.metadata?.name ?? '', controllerOf(rev), rev.revision ?? 0, since(rev.metadata?.creationTimestamp, now)] };
  },
};

export const WORKLOAD_PRINTERS: Readonly<Record<string, Printer>> = {
  'apps/deployments': deploymentPrinter,
  'apps/replicasets': replicaSetPrinter,
  'apps/statefulsets': statefulSetPrinter,
  'apps/daemonsets': daemonSetPrinter,
  'apps/controllerrevisions': controllerRevisionPrinter,
  'batch/jobs': jobPrinter,
  'batch/cronjobs': cronJobPrinter,
  '/replicationcontrollers': replicationControllerPrinter,
};
