import type { ResponseHeader } from './types';

/** A response header carrying the revision; the server fills cluster, member and term. */
export function header(revision: number): ResponseHeader {
  return { clusterId: 0, memberId: 0, revision, raftTerm: 0 };
}
