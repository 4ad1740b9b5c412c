// The conditions a terminating namespace carries while the namespace controller empties it
// (pkg/controller/namespace/deletion/status_condition_utils.go): each type is either its "ok"
// variant (status False) or what went wrong, with kube's reasons and messages.
import type { Namespace } from '@kubemu/api';
import { rfc3339 } from '@kubemu/client';

export type NamespaceCondition = NonNullable<NonNullable<Namespace['status']>['conditions']>[number];

const TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

const OK: Readonly<Record<(typeof TYPES)[number], { reason: string; message: string }>> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
};

export interface ContentTotals {
  /** "<resource>.<group>" -> objects left. */
  remaining: Map<string, number>;
  /** finalizer -> objects left carrying it. */
  finalizers: Map<string, number>;
  /** Per-resource failures of this pass. */
  errors: Error[];
}

/** The failing conditions of one pass; types not listed are ok. */
export function failingConditions(t: ContentTotals, nowMs: number): NamespaceCondition[] {
  const now = rfc3339(nowMs);
  const out: NamespaceCondition[] = [];
  if (t.errors.length > 0) {
    const msgs = t.errors.map((e) => e.message).sort();
    out.push({ type: 'NamespaceDeletionContentFailure', status: 'True', lastTransitionTime: now, reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}` });
  }
  const remaining = [...t.remaining].filter(([, n]) => n > 0).map(([gr, n]) => `${gr} has ${n} resource instances`).sort();
  if (remaining.length > 0) {
    out.push({ type: 'NamespaceContentRemaining', status: 'True', lastTransitionTime: now, reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.join(', ')}` });
  }
  const finalizers = [...t.finalizers].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`).sort();
  if (finalizers.length > 0) {
    out.push({ type: 'NamespaceFinalizersRemaining', status: 'True', lastTransitionTime: now, reason: 'SomeFinalizerRemain', message: `Some finalizers are remaining: ${finalizers.join(', ')}` });
  }
  return out;
}

/** updateConditions: every maintained type set to its new (or ok) value; lastTransitionTime moves only with status. True if anything changed. */
export function updateConditions(ns: Namespace, failing: readonly NamespaceCondition[], nowMs: number): boolean {
  const status = (ns.status ??= {});
  const conditions = [...(status.conditions ?? [])];
  let changed = false;
  for (const type of TYPES) {
    const next = failing.find((c) => c.type === type) ?? { type, status: 'False', lastTransitionTime: rfc3339(nowMs), ...OK[type] };
    const i = conditions.findIndex((c) => c.type === type);
    const old = conditions[i];
    if (old === undefined) {
      conditions.push(next);
      changed = true;
    } else if (old.status !== next.status || old.message !== next.message || old.reason !== next.reason) {
      conditions[i] = { ...old, status: next.status, reason: next.reason, message: next.message, ...(old.status !== next.status ? { lastTransitionTime: rfc3339(nowMs) } : {}) } as NamespaceCondition;
      changed = true;
    }
  }
  status.conditions = conditions;
  return changed;
}
