// Creating and deleting pods on behalf of an owner, with the events kube's RealPodControl
// records on the owner: SuccessfulCreate / FailedCreate / SuccessfulDelete / FailedDelete.
import type { KubeObject, OwnerReference, Pod, PodTemplateSpec } from '@kubemu/api';
import { isNotFound } from '@kubemu/client';
import type { EventRecorder, ResourceClient, RestClient } from '@kubemu/client';
import { errorMessage } from './queue-worker';

export const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;

/** controller.GetPodFromTemplate: the pod an owner's template describes, named `<owner>-<random>`. */
export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, controllerRef?: OwnerReference): Pod | Error {
  const labels = { ...(template.metadata?.labels ?? {}) };
  if (Object.keys(labels).length === 0) return new Error('unable to create pods, no labels');
  const metadata: NonNullable<Pod['metadata']> = { generateName: `${owner.metadata?.name ?? ''}-`, labels };
  const annotations = template.metadata?.annotations;
  if (annotations !== undefined && Object.keys(annotations).length > 0) metadata.annotations = { ...annotations };
  const finalizers = template.metadata?.finalizers;
  if (finalizers !== undefined && finalizers.length > 0) metadata.finalizers = [...finalizers];
  if (controllerRef !== undefined) metadata.ownerReferences = [controllerRef];
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template.spec) as Pod['spec'] };
  return pod;
}

export class PodControl {
  private readonly pods: ResourceClient<Pod>;

  constructor(
    client: RestClient,
    private readonly recorder: EventRecorder,
  ) {
    this.pods = client.resource<Pod>(PODS);
  }

  /** Creates one pod from the template; the error is returned (and recorded as a FailedCreate event). */
  async createPod(namespace: string, template: PodTemplateSpec, owner: KubeObject, controllerRef: OwnerReference): Promise<Pod | Error> {
    return this.createPodOnNode(namespace, template, owner, controllerRef, undefined);
  }

  /** As createPod, with spec.nodeName set (a DaemonSet places its pods itself). */
  async createPodOnNode(namespace: string, template: PodTemplateSpec, owner: KubeObject, controllerRef: OwnerReference, nodeName: string | undefined): Promise<Pod | Error> {
    const pod = podFromTemplate(template, owner, controllerRef);
    if (pod instanceof Error) return pod;
    if (nodeName !== undefined && pod.spec !== undefined) pod.spec.nodeName = nodeName;
    try {
      const created = await this.pods.namespace(namespace).create(pod);
      this.recorder.eventf(owner, 'Normal', 'SuccessfulCreate', 'Created pod: %s', created.metadata?.name ?? '');
      return created;
    } catch (err) {
      this.recorder.eventf(owner, 'Warning', 'FailedCreate', 'Error creating: %s', errorMessage(err));
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Deletes a pod; NotFound comes back as the error without an event (the pod is already gone). */
  async deletePod(namespace: string, name: string, owner: KubeObject): Promise<Error | undefined> {
    try {
      await this.pods.namespace(namespace).delete(name);
      this.recorder.eventf(owner, 'Normal', 'SuccessfulDelete', 'Deleted pod: %s', name);
      return undefined;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (isNotFound(err)) return e;
      this.recorder.eventf(owner, 'Warning', 'FailedDelete', 'Error deleting: %s', errorMessage(err));
      return new Error(`unable to delete pods: ${e.message}`, { cause: e });
    }
  }
}
