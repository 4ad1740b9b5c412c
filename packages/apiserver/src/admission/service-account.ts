// The ServiceAccount admission plugin's token volume: a projected volume with a bound token, the
// cluster CA (ConfigMap kube-root-ca.crt) and the namespace, mounted into every container at the
// path client libraries read in-cluster credentials from.
import type { Container, KubeObject, Pod } from '@kubemu/api';
import type { Rng } from '@kubemu/base';
import { generateName } from '../registry/meta';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

export function mountServiceAccountToken(pod: Pod, account: KubeObject, rng: Rng): void {
  const spec = pod.spec;
  if (spec === undefined) return;
  const podSays = spec.automountServiceAccountToken;
  const accountSays = (account as { automountServiceAccountToken?: boolean }).automountServiceAccountToken;
  if (podSays === false || (podSays === undefined && accountSays === false)) return;
  const all: Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  if (all.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH))) return;
  const name = generateName('kube-api-access-', rng);
  (spec.volumes ??= []).push({
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  });
  for (const c of all) (c.volumeMounts ??= []).push({ name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
}
