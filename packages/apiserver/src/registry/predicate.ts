// Which objects a list or watch returns: namespace, label selector and field selector, parsed once
// per request. A malformed selector is the client's error (400), worded as kube-apiserver words it.
import { parseFieldSelector, parseLabelSelector, selectableFields, validateFieldSelector } from '@kubemu/api';
import type { FieldSelector, KubeObject, ResourceInfo, Selector } from '@kubemu/api';
import { badRequest } from '../http/status';
import type { ApiStatus } from '../http/status';

export interface Predicate {
  /** Empty: every namespace. */
  namespace: string;
  label: Selector | undefined;
  field: FieldSelector | undefined;
  matches(obj: KubeObject): boolean;
  /** True when only the namespace restricts the result (remainingItemCount is then known). */
  readonly everything: boolean;
}

export function makePredicate(
  info: ResourceInfo,
  namespace: string,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): Predicate | ApiStatus {
  let label: Selector | undefined;
  let field: FieldSelector | undefined;
  try {
    if (labelSelector !== undefined && labelSelector !== '') label = parseLabelSelector(labelSelector);
  } catch (err) {
    return badRequest(`unable to parse requirement: ${(err as Error).message}`);
  }
  try {
    if (fieldSelector !== undefined && fieldSelector !== '') field = parseFieldSelector(fieldSelector);
  } catch (err) {
    return badRequest((err as Error).message);
  }
  if (field !== undefined) {
    const bad = validateFieldSelector(info.resource, field);
    if (bad !== undefined) return badRequest(bad.message);
  }
  const labelSel = label !== undefined && !label.isEmpty() ? label : undefined;
  const fieldSel = field !== undefined && !field.isEmpty() ? field : undefined;
  return {
    namespace,
    label: labelSel,
    field: fieldSel,
    everything: labelSel === undefined && fieldSel === undefined,
    matches(obj: KubeObject): boolean {
      const meta = obj.metadata ?? {};
      if (namespace !== '' && meta.namespace !== namespace) return false;
      if (labelSel !== undefined && !labelSel.matches(meta.labels ?? {})) return false;
      if (fieldSel !== undefined && !fieldSel.matches(selectableFields(info.resource, obj))) return false;
      return true;
    },
  };
}

