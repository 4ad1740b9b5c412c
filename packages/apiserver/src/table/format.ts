// The small formatters kube-apiserver's printers share: ages as kubectl shows them
// (k8s.io/apimachinery/pkg/util/duration.HumanDuration), label maps and selectors, container lists,
// quantities, access modes.
import { canonicalQuantity, selectorFromLabelSelector } from '@kubemu/api';
import type { Container, LabelSelector } from '@kubemu/api';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * A duration with 2-3 significant figures: "5s", "119s", "3m2s", "15m", "4h", "7h5m", "36h", "3d4h",
 * "12d", "2y4d", "9y". Up to two seconds in the future reads "0s" (clock skew); beyond, "<invalid>".
 * Every unit truncates toward zero, as Go's integer conversions do.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Milliseconds since the epoch of an RFC 3339 timestamp; undefined when absent or unparseable. */
export function parseTime(ts: string | undefined | null): number | undefined {
  if (ts === undefined || ts === null || ts === '') return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : t;
}

/** translateTimestampSince: the age of a timestamp, "<unknown>" when there is none. */
export function since(ts: string | undefined | null, now: Date): string {
  const t = parseTime(ts);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t);
}

/** A timestamp as Go prints time.RFC3339 in UTC (the zero time when absent). */
export function rfc3339(ts: string | undefined | null): string {
  const t = parseTime(ts);
  return t === undefined ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** labels.FormatLabels: "a=b,c=d" sorted by key, "<none>" when empty. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

/** The selector string of metav1.LabelSelectorAsSelector; undefined when the selector is invalid. */
export function selectorString(ls: LabelSelector | undefined | null): string | undefined {
  try {
    return selectorFromLabelSelector(ls).toString();
  } catch {
    return undefined;
  }
}

/** metav1.FormatLabelSelector: "<none>" for an empty (or absent) selector, "<error>" for an invalid one. */
export function formatLabelSelector(ls: LabelSelector | undefined | null): string {
  const s = selectorString(ls);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

/** The Containers and Images cells: names and images joined by commas. */
export function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** resource.Quantity.String() of a serialized quantity; an absent quantity is the zero value, "0". */
export function quantityString(q: string | undefined): string {
  if (q === undefined || q === '') return '0';
  try {
    return canonicalQuantity(q);
  } catch {
    return q;
  }
}

const ACCESS_MODES: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** GetAccessModesAsString: the short names, in this fixed order, each once. */
export function accessModes(modes: readonly string[] | undefined): string {
  const set = new Set(modes ?? []);
  return ACCESS_MODES.filter(([long]) => set.has(long))
    .map(([, short]) => short)
    .join(',');
}

const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

/** The storage class of a PV or PVC: the beta annotation wins over spec.storageClassName. */
export function storageClass(obj: { metadata?: { annotations?: Record<string, string> }; spec?: { storageClassName?: string } }): string {
  const beta = obj.metadata?.annotations?.[BETA_STORAGE_CLASS];
  return beta ?? obj.spec?.storageClassName ?? '';
}
