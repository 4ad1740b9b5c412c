// `kubectl get pods`: READY, STATUS and RESTARTS summarize the pod the way kube-apiserver's printPod
// does, so a user reads the same words (ContainerCreating, CrashLoopBackOff, Init:1/2, Completed,
// Terminating, ...) as on a real cluster.
import type { KubeObject, Pod } from '@kubemu/api';
import { ageColumn, col, doc, nameColumn } from './columns';
import { humanDuration, parseTime, since } from './format';
import type { PrintedRow, Printer, TableRowCondition } from './types';

type ContainerStatus = NonNullable<NonNullable<Pod['status']>['containerStatuses']>[number];

/** Set on a pod whose node stopped reporting (the node lifecycle controller's reason). */
const NODE_UNREACHABLE_REASON = 'NodeLost';

const SUCCEEDED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const FAILED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

interface Restarts {
  count: number;
  /** The latest finishedAt of a last termination, ms since epoch; 0 when none. */
  last: number;
}

function addRestarts(acc: Restarts, c: ContainerStatus): void {
  acc.count += c.restartCount ?? 0;
  const finished = parseTime(c.lastState?.terminated?.finishedAt);
  if (finished !== undefined && finished > acc.last) acc.last = finished;
}

/** Walks init containers; returns the reason they impose (Init:...) and whether the pod is still initializing. */
function initStatus(pod: Pod, acc: { all: Restarts; sidecars: Restarts; ready: number }): { reason?: string; initializing: boolean } {
  const sidecar = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const total = pod.spec?.initContainers?.length ?? 0;
  const statuses = pod.status?.initContainerStatuses ?? [];
  for (let i = 0; i < statuses.length; i++) {
    const c = statuses[i] as ContainerStatus;
    addRestarts(acc.all, c);
    if (sidecar.has(c.name)) addRestarts(acc.sidecars, c);
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated !== undefined && terminated.exitCode === 0) continue;
    if (sidecar.has(c.name) && c.started === true) {
      if (c.ready) acc.ready++;
      continue;
    }
    if (terminated !== undefined) {
      if (!terminated.reason) {
        const why = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
        return { reason: `Init:${why}`, initializing: true };
      }
      return { reason: `Init:${terminated.reason}`, initializing: true };
    }
    if (waiting?.reason && waiting.reason !== 'PodInitializing') return { reason: `Init:${waiting.reason}`, initializing: true };
    return { reason: `Init:${i}/${total}`, initializing: true };
  }
  return { initializing: false };
}

export function podRow(pod: Pod, now: Date): PrintedRow {
  const phase = pod.status?.phase ?? '';
  let reason = pod.status?.reason || phase;
  if ((pod.status?.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const total = (pod.spec?.containers?.length ?? 0) + sidecars.size;
  const acc = { all: { count: 0, last: 0 }, sidecars: { count: 0, last: 0 }, ready: 0 };
  const init = initStatus(pod, acc);
  if (init.reason !== undefined) reason = init.reason;
  let restarts = acc.all;

  const initialized = (pod.status?.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!init.initializing || initialized) {
    // Only restartable init containers (sidecars) count once the pod is initialized.
    restarts = { ...acc.sidecars };
    let hasRunning = false;
    const statuses = pod.status?.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i] as ContainerStatus;
      addRestarts(restarts, c);
      const { waiting, terminated, running } = c.state ?? {};
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated !== undefined) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      else if (c.ready && running !== undefined) {
        hasRunning = true;
        acc.ready++;
      }
    }
    // A pod whose finished containers say Completed while another still runs is Running (or NotReady).
    if (reason === 'Completed' && hasRunning) {
      const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }

  const deleting = parseTime(pod.metadata?.deletionTimestamp) !== undefined;
  if (deleting && pod.status?.reason === NODE_UNREACHABLE_REASON) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsCell = restarts.count !== 0 && restarts.last !== 0 ? `${restarts.count} (${humanDuration(now.getTime() - restarts.last)} ago)` : String(restarts.count);

  let readinessGates = '<none>';
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length > 0) {
    const trueCount = gates.filter((g) => (pod.status?.conditions ?? []).find((c) => c.type === g.conditionType)?.status === 'True').length;
    readinessGates = `${trueCount}/${gates.length}`;
  }

  const row: PrintedRow = {
    cells: [
      pod.metadata?.name ?? '',
      `${acc.ready}/${total}`,
      reason,
      restartsCell,
      since(pod.metadata?.creationTimestamp, now),
      pod.status?.podIPs?.[0]?.ip || '<none>',
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGates,
    ],
  };
  if (phase === 'Succeeded') row.conditions = SUCCEEDED;
  if (phase === 'Failed') row.conditions = FAILED;
  return row;
}

export const podPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn(),
    col('IP', 'string', doc('core.v1.PodStatus', 'podIP'), { priority: 1 }),
    col('Node', 'string', doc('core.v1.PodSpec', 'nodeName'), { priority: 1 }),
    col('Nominated Node', 'string', doc('core.v1.PodStatus', 'nominatedNodeName'), { priority: 1 }),
    col('Readiness Gates', 'string', doc('core.v1.PodSpec', 'readinessGates'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => podRow(obj as Pod, now),
};
