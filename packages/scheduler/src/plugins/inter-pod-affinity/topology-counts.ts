// Counts per topology domain: a (topology key, value) pair, e.g. (topology.kubernetes.io/zone, a).

export type PairCounts = Map<string, number>;

export function pairKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

/** Adds `n` to the domain of `labels` under `key`; nodes without the key are in no domain. */
export function addPair(counts: PairCounts, key: string, labels: Readonly<Record<string, string>>, n = 1): void {
  const v = labels[key];
  if (v === undefined) return;
  const k = pairKey(key, v);
  counts.set(k, (counts.get(k) ?? 0) + n);
}

/** Whether any domain of `labels` has a positive count. */
export function hasPairIn(counts: PairCounts, labels: Readonly<Record<string, string>>): boolean {
  if (counts.size === 0) return false;
  for (const [k, v] of Object.entries(labels)) if ((counts.get(pairKey(k, v)) ?? 0) > 0) return true;
  return false;
}
