import { decodeEntry, encodeEntry } from './entry-codec';
import type { ReplicatedRequest } from './entry-codec';
import type { InternalRequest } from '../mvcc';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** What the codec promises: the value JSON.stringify would have kept, byte strings as Buffers. */
function roundTrip(r: ReplicatedRequest): ReplicatedRequest {
  return decodeEntry(encodeEntry(r));
}

describe('entry codec', () => {
  it('round-trips requests, byte strings raw and as Buffers', () => {
    const value = Buffer.alloc(256, 0x76);
    const req = {
      txn: {
        compare: [{ key: b('/a'), range_end: b(''), target: 'VERSION', result: 'EQUAL', version: 0 }],
        success: Array.from({ length: 100 }, (_, i) => ({ request_put: { key: b(`/registry/pods/default/pod-${i}`), value, lease: 0 } })),
        failure: [{ request_range: { key: b('\u0000\u00ff'), limit: 2 ** 53 - 1, revision: -3 } }],
      },
    } as unknown as InternalRequest;
    const r: ReplicatedRequest = { id: 'm1-nonce-ü-42', req };
    const out = roundTrip(r);
    expect(out).toEqual(r);
    const put = (out.req as unknown as { txn: { success: { request_put: { value: unknown } }[] } }).txn.success[7]?.request_put.value;
    expect(Buffer.isBuffer(put)).toBe(true);
    // Much smaller than the JSON+base64 form it replaces.
    expect(encodeEntry(r).length).toBeLessThan(100 * (256 + 50));
  });

  it('keeps JSON semantics for odd values', () => {
    const req = { put: { key: b('k'), value: new Uint8Array([1, 2, 3]), lease: 1.5, prevKv: true, ignoreValue: false, skipped: undefined, nan: NaN, neg: -7, big: 1e300, list: [undefined, null, 'x'] } };
    const out = roundTrip({ id: '', req: req as unknown as InternalRequest }).req as unknown as Record<string, Record<string, unknown>>;
    expect(out.put).toEqual({ key: b('k'), value: Buffer.from([1, 2, 3]), lease: 1.5, prevKv: true, ignoreValue: false, nan: null, neg: -7, big: 1e300, list: [null, null, 'x'] });
    expect('skipped' in (out.put as object)).toBe(false);
  });

  it('still reads entries of the earlier JSON format', () => {
    const legacy = Buffer.from(JSON.stringify({ id: 'x', req: { put: { key: { $b: b('k').toString('base64') }, value: { $b: 'AQI=' } } } }));
    expect(decodeEntry(legacy)).toEqual({ id: 'x', req: { put: { key: b('k'), value: Buffer.from([1, 2]) } } });
  });

  it('rejects truncated and unknown data', () => {
    const e = encodeEntry({ id: 'x', req: { put: { key: b('key'), value: b('value') } } as unknown as InternalRequest });
    expect(() => decodeEntry(e.subarray(0, e.length - 1))).toThrow(/truncated/);
    expect(() => decodeEntry(new Uint8Array([0x02]))).toThrow(/unknown entry format/);
    expect(() => decodeEntry(new Uint8Array([...e, 0]))).toThrow(/trailing/);
  });
});
