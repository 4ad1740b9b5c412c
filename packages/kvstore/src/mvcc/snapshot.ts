import { SnapshotFormatError } from './errors';
import { History } from './history';
import { CREATE, KeyIndex, KeyRecord, LEASE, MOD, SLOTS, VALUE, VERSION } from './key-index';
import type { MvccStore } from './store';

/**
 * Snapshot layout (little-endian), a pure function of the replicated state so that members
 * that applied the same entries produce identical bytes (lease deadlines are local, not here):
 *
 *   'KMVC' u32 magic, u32 format version (1)
 *   f64 currentRev, f64 compactRev, f64 lastLeaseId, u32 #leases, u32 #keys, u32 #history
 *   #leases x (f64 id, f64 ttl, f64 remainingTtl)                      ordered by id
 *   #keys   x (u32 keyLen, key, u32 #versions,
 *              #versions x (f64 mod, f64 create, u32 version, f64 lease, i32 valueLen (-1: tombstone), value))
 *                                                                      ordered by key
 *   #history x (f64 rev, u32 key ordinal)                              in (main, sub) order
 */
const MAGIC = 0x4b4d5643;
const FORMAT = 1;
const TUPLE_BYTES = 8 + 8 + 4 + 8 + 4;

export function encodeSnapshot(store: MvccStore): Uint8Array {
  const leases = store.lessor.all();
  const recs: KeyRecord[] = [];
  let size = 4 + 4 + 8 * 3 + 4 * 3 + leases.length * 24 + store.history.length * 12;
  store.index.forEach('', null, (rec) => {
    rec.ord = recs.length;
    recs.push(rec);
    size += 8 + rec.key.length + rec.count * TUPLE_BYTES;
    for (let o = VALUE; o < rec.v.length; o += SLOTS) size += ((rec.v[o] as string | null) ?? '').length;
    return true;
  });
  const buf = Buffer.allocUnsafe(size);
  let p = 0;
  const u32 = (n: number): void => void (p = buf.writeUInt32LE(n, p));
  const f64 = (n: number): void => void (p = buf.writeDoubleLE(n, p));
  u32(MAGIC);
  u32(FORMAT);
  f64(store.currentRev);
  f64(store.compactRev);
  f64(store.lessor.lastId);
  u32(leases.length);
  u32(recs.length);
  u32(store.history.length);
  for (const l of leases) {
    f64(l.id);
    f64(l.ttl);
    f64(l.remainingTtl);
  }
  for (const rec of recs) {
    u32(rec.key.length);
    p += buf.write(rec.key, p, 'latin1');
    u32(rec.count);
    const v = rec.v;
    for (let o = 0; o < v.length; o += SLOTS) {
      f64(v[o + MOD] as number);
      f64(v[o + CREATE] as number);
      u32(v[o + VERSION] as number);
      f64(v[o + LEASE] as number);
      const value = v[o + VALUE] as string | null;
      p = buf.writeInt32LE(value === null ? -1 : value.length, p);
      if (value) p += buf.write(value, p, 'latin1');
    }
  }
  for (let i = 0; i < store.history.length; i++) {
    f64(store.history.revAt(i));
    u32(store.history.recAt(i).ord);
  }
  if (p !== size) throw new Error(`snapshot: wrote ${p} bytes, expected ${size}`);
  return buf;
}

/** Replaces the replicated state of `store` with a snapshot's. Throws SnapshotFormatError on bad data. */
export function decodeSnapshot(store: MvccStore, data: Uint8Array): void {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  const u32 = (): number => {
    const n = buf.readUInt32LE(p);
    p += 4;
    return n;
  };
  const f64 = (): number => {
    const n = buf.readDoubleLE(p);
    p += 8;
    return n;
  };
  const str = (len: number): string => {
    if (p + len > buf.length) throw new RangeError('truncated');
    const s = buf.toString('latin1', p, p + len);
    p += len;
    return s;
  };
  try {
    if (u32() !== MAGIC) throw new SnapshotFormatError('not an mvcc snapshot (bad magic)');
    const format = u32();
    if (format !== FORMAT) throw new SnapshotFormatError(`unknown mvcc snapshot format ${format}`);
    const currentRev = f64();
    const compactRev = f64();
    const lastLeaseId = f64();
    const nLeases = u32();
    const nKeys = u32();
    const nHistory = u32();
    // Decode everything before touching the store: a bad snapshot leaves it as it was.
    const leases: [number, number, number][] = [];
    for (let i = 0; i < nLeases; i++) leases.push([f64(), f64(), f64()]);
    const recs = new Array<KeyRecord>(nKeys);
    for (let i = 0; i < nKeys; i++) {
      const rec = new KeyRecord(str(u32()));
      const n = u32();
      for (let j = 0; j < n; j++) {
        const mod = f64();
        const create = f64();
        const version = u32();
        const lease = f64();
        const len = buf.readInt32LE(p);
        p += 4;
        rec.push(mod, create, version, lease, len < 0 ? null : str(len));
      }
      recs[i] = rec;
    }
    const history = new History();
    for (let i = 0; i < nHistory; i++) {
      const rev = f64();
      const rec = recs[u32()];
      if (!rec) throw new SnapshotFormatError('history refers to a missing key');
      history.append(rev, rec);
    }
    if (p !== buf.length) throw new SnapshotFormatError(`${buf.length - p} trailing bytes`);
    const index = new KeyIndex();
    index.loadSorted(recs);
    store.index = index;
    store.history = history;
    store.lessor.clear();
    for (const [id, ttl, remaining] of leases) store.lessor.load(id, ttl, remaining);
    store.lessor.lastId = lastLeaseId;
    for (const rec of recs) {
      const last = rec.last();
      const lease = rec.v[last + LEASE] as number;
      if (rec.v[last + VALUE] !== null && lease !== 0) store.lessor.get(lease)?.keys.add(rec);
    }
    store.currentRev = currentRev;
    store.compactRev = compactRev;
  } catch (err) {
    if (err instanceof SnapshotFormatError) throw err;
    throw new SnapshotFormatError(`truncated or corrupt mvcc snapshot: ${String(err)}`);
  }
}
