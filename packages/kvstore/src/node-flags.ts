/**
 * The node flags a kvstore member runs with: compose.yaml gives them to etcd-0..2 (a test checks
 * that it does), and bench:kvstore starts its members with them.
 *
 * --initial-old-space-size=512 (MiB): V8 runs its first full collection of the old generation
 * only once that generation has grown to this size, instead of at its small default. A member's
 * live heap grows slowly (the Raft log, the MVCC index), but each scavenge promotes the requests
 * that were in flight, and with the default the old generation filled every few seconds under
 * load. Every mark-compact cycle (concurrent marking on one of two cores, incremental steps and
 * a final pause) slowed every request of its time: bench:kvstore counted 3-6 per member per
 * 20,000-put row at 16 in flight. Without them, in alternating runs, the kvstore's throughput at
 * 16 in flight rose from 0.85-1.0x etcd's to 1.14-1.21x and its p99 there fell from 17-19 ms
 * to 11-12 (etcd: 12-14). Once a collection has run, V8 sizes the next limit from what survived,
 * as before. The cost is memory: an idle member may hold garbage up to this size until its next
 * collection (resident size after bench:kvstore 255-369 MiB, against 195 without). A member holding
 * 1,000,000 keys is unchanged (bench:kvstore-memory: 859 MiB either way).
 */
export const KVSTORE_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=512'];
