// Test support for the Deployment controller's tests: a Deployment object, kubectl's rollback
// (client-side, as `kubectl rollout undo` does it), and readers of the fake's state.
import type { Deployment, Pod, ReplicaSet } from '@kubemu/api';
import type { ControllerHarness } from '../../testing/controller-harness';
import { livePods } from '../../testing/pods';
import { REVISION_ANNOTATION } from './annotations';
import { DEPLOYMENTS, REPLICA_SETS } from './deployment-controller';

export function deployment(name: string, replicas: number, spec: Partial<NonNullable<Deployment['spec']>> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      ...spec,
    },
  };
}

export function getDeployment(h: ControllerHarness, name: string): Deployment {
  const d = h.fake.object<Deployment>(DEPLOYMENTS, 'default', name);
  if (d === undefined) throw new Error(`no deployment ${name}`);
  return d;
}

/** Live ReplicaSets, oldest revision first. */
export function replicaSets(h: ControllerHarness): ReplicaSet[] {
  return h
    .objects<ReplicaSet>(REPLICA_SETS, 'default')
    .filter((rs) => rs.metadata?.deletionTimestamp === undefined)
    .sort((a, b) => Number(a.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0) - Number(b.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0));
}

export function imageOf(p: Pod | ReplicaSet | Deployment): string | undefined {
  const spec = (p as Pod).spec?.containers !== undefined ? (p as Pod).spec : (p as ReplicaSet).spec?.template?.spec;
  return spec?.containers?.[0]?.image;
}

export async function setImage(h: ControllerHarness, name: string, image: string): Promise<void> {
  await h.client.resource<Deployment>(DEPLOYMENTS).namespace('default').patch(name, 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
}

/** `kubectl rollout undo --to-revision=N`: patch the template back to that RS's, without the hash label. */
export async function undo(h: ControllerHarness, name: string, toRevision: number): Promise<void> {
  const rs = replicaSets(h).find((r) => r.metadata?.annotations?.[REVISION_ANNOTATION] === String(toRevision));
  if (rs === undefined) throw new Error(`unable to find specified revision ${toRevision} in history`);
  const template = structuredClone(rs.spec?.template ?? {});
  delete template.metadata?.labels?.['pod-template-hash'];
  await h.client.resource<Deployment>(DEPLOYMENTS).namespace('default').patch(name, 'json', [{ op: 'replace', path: '/spec/template', value: template }]);
}

/** What `kubectl rollout status` waits for. */
export function rolledOut(d: Deployment): boolean {
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  return (d.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0) && (s.updatedReplicas ?? 0) >= want && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
}

export { livePods };
