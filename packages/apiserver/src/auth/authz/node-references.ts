// The objects a pod refers to, which a kubelet running the pod may read: the edges kube-apiserver's
// node authorizer graph draws from a pod (secrets, configmaps, claims, its service account).
import type { Container, Pod } from '@kubemu/api';

type Volume = NonNullable<NonNullable<Pod['spec']>['volumes']>[number];

export interface PodReferences {
  secrets: Set<string>;
  configMaps: Set<string>;
  persistentVolumeClaims: Set<string>;
  serviceAccount: string | undefined;
}

export function podReferences(pod: Pod): PodReferences {
  const refs: PodReferences = { secrets: new Set(), configMaps: new Set(), persistentVolumeClaims: new Set(), serviceAccount: undefined };
  const spec = pod.spec;
  if (spec === undefined) return refs;
  if (spec.serviceAccountName) refs.serviceAccount = spec.serviceAccountName;
  for (const s of spec.imagePullSecrets ?? []) if (s.name) refs.secrets.add(s.name);
  const containers: Pick<Container, 'env' | 'envFrom'>[] = [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      const secret = e.valueFrom?.secretKeyRef?.name;
      if (secret) refs.secrets.add(secret);
      const cm = e.valueFrom?.configMapKeyRef?.name;
      if (cm) refs.configMaps.add(cm);
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef?.name) refs.secrets.add(e.secretRef.name);
      if (e.configMapRef?.name) refs.configMaps.add(e.configMapRef.name);
    }
  }
  for (const v of spec.volumes ?? []) addVolume(refs, pod, v);
  return refs;
}

function addVolume(refs: PodReferences, pod: Pod, v: Volume): void {
  const secretNames = [
    v.secret?.secretName,
    v.azureFile?.secretName,
    v.cephfs?.secretRef?.name,
    v.cinder?.secretRef?.name,
    v.flexVolume?.secretRef?.name,
    v.rbd?.secretRef?.name,
    v.scaleIO?.secretRef?.name,
    v.iscsi?.secretRef?.name,
    v.storageos?.secretRef?.name,
    v.csi?.nodePublishSecretRef?.name,
  ];
  for (const source of v.projected?.sources ?? []) {
    secretNames.push(source.secret?.name);
    if (source.configMap?.name) refs.configMaps.add(source.configMap.name);
  }
  for (const n of secretNames) if (n) refs.secrets.add(n);
  if (v.configMap?.name) refs.configMaps.add(v.configMap.name);
  if (v.persistentVolumeClaim?.claimName) refs.persistentVolumeClaims.add(v.persistentVolumeClaim.claimName);
  // A generic ephemeral volume's claim is named <pod>-<volume> (ephemeral.VolumeClaimName).
  if (v.ephemeral !== undefined) refs.persistentVolumeClaims.add(`${pod.metadata?.name ?? ''}-${v.name}`);
}
