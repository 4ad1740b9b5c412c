/**
 * Member and cluster identities from etcd's flags. As in etcd, a member id is derived from the
 * member's peer URLs and the cluster token, and the cluster id from the member ids, so every
 * member computes the same ids from the same --initial-cluster. Ids are cut to 52 bits so that
 * they survive longs=Number decoding (etcd's are 64-bit).
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@kubemu/base';

export interface MemberConfig {
  id: number;
  name: string;
  peerURLs: string[];
}

function id52(text: string): number {
  const h = createHash('sha1').update(text).digest();
  // 6 bytes = 48 bits, plus 4 more from the 7th byte; never 0 (0 means "none" in Raft).
  const n = h.readUIntBE(0, 6) * 16 + (h[6]! >> 4);
  return n === 0 ? 1 : n;
}

export function memberId(peerURLs: string[], token: string): number {
  return id52([...peerURLs].sort().join('') + token);
}

export function clusterId(memberIds: number[]): number {
  return id52([...memberIds].sort((a, b) => a - b).map((m) => m.toString(16)).join(','));
}

/** Parses --initial-cluster "name=url,name=url2,other=url3" (a name may repeat for several URLs). */
export function parseInitialCluster(spec: string, token: string): MemberConfig[] {
  const byName = new Map<string, string[]>();
  for (const part of spec.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--initial-cluster: "${part}" is not name=url`);
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    byName.set(name, [...(byName.get(name) ?? []), url]);
  }
  if (byName.size === 0) throw new InvalidArgumentError('--initial-cluster is empty');
  return [...byName].map(([name, peerURLs]) => ({ id: memberId(peerURLs, token), name, peerURLs }));
}

/** "http://127.0.0.1:2379" -> "127.0.0.1:2379" (the form grpc-js binds and etcdctl dials). */
export function hostPortOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port === '' ? (u.protocol === 'https:' ? '443' : '80') : u.port}`;
}
