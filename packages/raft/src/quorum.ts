import type { NodeId } from './types';

/**
 * Majority arithmetic over a single voter set (no joint consensus: membership changes one server
 * at a time, §6 / thesis §4.1, so every decision is made by one majority).
 */

export type VoteResult = 'Pending' | 'Lost' | 'Won';

/** How many of `n` voters make a majority. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The largest index known to be stored on a majority of voters: sort the matches and take the
 * one that a majority is at or beyond. An empty voter set commits nothing here (a node without a
 * configuration never leads, so the value is never used to advance commit).
 */
export function committedIndex(voters: Iterable<NodeId>, matchOf: (id: NodeId) => number | undefined, scratch: number[] = []): number {
  // Called on every acknowledgement: the caller may lend an array to fill instead of a new one.
  const matches = scratch;
  matches.length = 0;
  for (const id of voters) matches.push(matchOf(id) ?? 0);
  if (matches.length === 0) return 0;
  matches.sort((a, b) => b - a);
  return matches[majority(matches.length) - 1] as number;
}

/**
 * Decides an election (or any yes/no poll, such as ReadIndex acks) from the answers so far:
 * Won once a majority said yes, Lost once a majority can no longer be reached, else Pending.
 * Answers from non-voters are ignored, which is what keeps learners out of every quorum.
 */
export function voteResult(voters: ReadonlySet<NodeId>, answer: (id: NodeId) => boolean | undefined): VoteResult {
  if (voters.size === 0) return 'Won';
  let yes = 0;
  let missing = 0;
  for (const id of voters) {
    const a = answer(id);
    if (a === undefined) missing++;
    else if (a) yes++;
  }
  const q = majority(voters.size);
  if (yes >= q) return 'Won';
  if (yes + missing >= q) return 'Pending';
  return 'Lost';
}
