// Kubernetes timestamps as they appear in JSON.

/** metav1.Time: RFC 3339 in UTC, whole seconds ("2026-01-01T00:00:00Z"). */
export function rfc3339(wallMs: number): string {
  return new Date(wallMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime: RFC 3339 in UTC with microseconds ("2026-01-01T00:00:00.000000Z"). */
export function microTime(wallMs: number): string {
  return new Date(wallMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
