/**
 * The replicated request: what one Raft log entry carries. JSON with byte strings as base64
 * ({"$b": "..."}), so entries stay readable in a WAL dump. It carries no time: clocks are
 * per-process (monotonic, with different origins), so lease deadlines are computed by each member
 * from its own clock when it applies the entry; only the leader acts on them.
 */
import type { InternalRequest } from '../mvcc';

export interface ReplicatedRequest {
  /**
   * Unique per proposer process: member id, a per-boot nonce and a counter. The nonce matters:
   * after a restart the member re-applies its own earlier entries, whose ids must not match a
   * new caller's.
   */
  id: string;
  req: InternalRequest;
}

const BYTES = '$b';

export function encodeEntry(r: ReplicatedRequest): Uint8Array {
  const json = JSON.stringify(r, function (this: Record<string, unknown>, key: string, value: unknown) {
    const original = this[key];
    if (original instanceof Uint8Array) return { [BYTES]: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
    return value;
  });
  return Buffer.from(json, 'utf8');
}

export function decodeEntry(data: Uint8Array): ReplicatedRequest {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && BYTES in value) {
      const b64 = (value as Record<string, unknown>)[BYTES];
      if (typeof b64 === 'string') return Buffer.from(b64, 'base64');
    }
    return value;
  }) as ReplicatedRequest;
}

/**
 * The size etcd would check against --max-request-bytes: the protobuf size of the request,
 * approximated as its byte strings plus a few bytes per field (the JSON encoding is larger, and
 * a value etcd accepts must be accepted here too).
 */
export function requestSize(value: unknown): number {
  if (value instanceof Uint8Array) return value.length + 4;
  if (Array.isArray(value)) return value.reduce((n: number, v: unknown) => n + requestSize(v), 0);
  if (value !== null && typeof value === 'object') {
    let n = 2;
    for (const v of Object.values(value)) n += requestSize(v);
    return n;
  }
  return value === undefined ? 0 : 9;
}
