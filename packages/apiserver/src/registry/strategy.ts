// What differs between resources in the generic registry (kube-apiserver's per-resource
// "strategies"): which fields a create resets, what the main resource and its status subresource
// may change, whether spec changes bump metadata.generation, create-on-update.
import type { KubeObject, ResourceInfo } from '@kubemu/api';

export interface Strategy {
  /** metadata.generation starts at 1 and counts spec changes. */
  readonly generation: boolean;
  /** PUT of a missing object creates it. */
  readonly allowCreateOnUpdate: boolean;
  /** Resets what a client may not set on create (status, mostly). */
  prepareForCreate(obj: KubeObject): void;
}

/** Workloads whose controllers observe metadata.generation. */
const WITH_GENERATION = new Set([
  'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', '/replicationcontrollers',
  'batch/jobs', 'batch/cronjobs', 'networking.k8s.io/networkpolicies', 'networking.k8s.io/ingresses',
  'autoscaling/horizontalpodautoscalers', 'policy/poddisruptionbudgets',
]);

/** Resources whose status a create keeps: the node's agent creates a Node with its status. */
const KEEPS_STATUS_ON_CREATE = new Set(['/nodes', '/events']);

const CREATE_ON_UPDATE = new Set(['/endpoints', 'coordination.k8s.io/leases', 'discovery.k8s.io/endpointslices']);

export function strategyFor(info: ResourceInfo): Strategy {
  const gr = `${info.group}/${info.resource}`;
  const hasStatus = info.subresources.includes('status');
  return {
    generation: WITH_GENERATION.has(gr),
    allowCreateOnUpdate: CREATE_ON_UPDATE.has(gr),
    prepareForCreate(obj: KubeObject): void {
      if (gr === '/pods') {
        const status = (obj.status ?? {}) as Record<string, unknown>;
        obj.status = { phase: 'Pending', ...(status.qosClass === undefined ? {} : { qosClass: status.qosClass }) };
      } else if (gr === '/namespaces') {
        obj.status = { phase: 'Active' };
        labelNamespace(obj);
      } else if (gr === '/persistentvolumeclaims' || gr === '/persistentvolumes') {
        obj.status = { phase: 'Pending' };
      } else if (hasStatus && !KEEPS_STATUS_ON_CREATE.has(gr)) {
        obj.status = {};
      }
      if (gr === 'batch/jobs') generateJobSelector(obj);
    },
  };
}

/** Everything but metadata and status: what a generation counts changes of. */
export function specOf(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/**
 * A Job without spec.manualSelector gets a selector on its own uid, and its pod template the labels
 * that selector needs (kube-apiserver's job strategy does this at create, so that two Jobs' pods can
 * never be confused).
 */
function generateJobSelector(obj: KubeObject): void {
  const spec = (obj.spec ?? (obj.spec = {})) as { manualSelector?: boolean; selector?: unknown; template?: { metadata?: { labels?: Record<string, string> } } };
  if (spec.manualSelector === true) return;
  const uid = obj.metadata?.uid ?? '';
  const name = obj.metadata?.name ?? '';
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const template = (spec.template ??= {});
  const meta = (template.metadata ??= {});
  meta.labels = { ...(meta.labels ?? {}), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
}

/** kube-apiserver labels every namespace with its own name (kubernetes.io/metadata.name), on create and update. */
export function labelNamespace(obj: KubeObject): void {
  const meta = (obj.metadata ??= {});
  meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': meta.name ?? '' };
}
