// Taints and tolerations, as corev1 helpers match them.
import type { Pod } from '@kubemu/api';
import type { Taint } from './node-info';

export type Toleration = NonNullable<NonNullable<Pod['spec']>['tolerations']>[number];

/**
 * Whether `t` tolerates `taint`: an empty effect matches every effect, an empty key (with Exists)
 * every key; Exists ignores the value, Equal (the default) compares it.
 */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== undefined && t.key !== '' && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function toleratedBy(taint: Taint, tolerations: readonly Toleration[]): boolean {
  for (const t of tolerations) if (tolerates(t, taint)) return true;
  return false;
}

/** The first taint with one of `effects` that no toleration tolerates. */
export function firstUntolerated(taints: readonly Taint[], tolerations: readonly Toleration[], effects: ReadonlySet<string>): Taint | undefined {
  for (const taint of taints) {
    if (!effects.has(taint.effect)) continue;
    if (!toleratedBy(taint, tolerations)) return taint;
  }
  return undefined;
}
