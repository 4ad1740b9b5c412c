import type { Logger, Rng } from '@kubemu/base';
import { silentLogger } from '@kubemu/base';
import { ConfigError } from './errors';
import type { ReadOnlyOption } from './read-only';
import type { Storage } from './storage';
import type { NodeId } from './types';

/** The core's configuration; see docs/raft-api.md. Times are in ticks, sizes in bytes. */
export interface RaftConfig {
  id: NodeId;
  /** T: each node's randomized election timeout is drawn from [T, 2T) with rng. */
  electionTick: number;
  /** Must be smaller than electionTick. */
  heartbeatTick: number;
  storage: Storage;
  /** The only source of chance in the core. */
  rng: Rng;
  /** Last applied index when restarting (default 0; the snapshot index at least). */
  applied?: number;
  /** Bytes of entries per MsgApp (default 1 MiB). */
  maxSizePerMsg?: number;
  /** MsgApp in flight per follower in Replicate state (default 256). */
  maxInflightMsgs?: number;
  /** Bytes of committed entries per Ready (default maxSizePerMsg). */
  maxCommittedSizePerReady?: number;
  checkQuorum?: boolean;
  preVote?: boolean;
  /** 'Safe' (default) confirms each ReadIndex with a heartbeat round; 'LeaseBased' needs checkQuorum. */
  readOnlyOption?: ReadOnlyOption;
  disableProposalForwarding?: boolean;
  logger?: Logger;
}

export type ResolvedConfig = Required<RaftConfig>;

let sharedSilentLogger: Logger | undefined;

/** Validates a config and fills in the defaults; throws ConfigError. */
export function resolveConfig(c: RaftConfig): ResolvedConfig {
  if (!Number.isInteger(c.id) || c.id <= 0) throw new ConfigError(`id must be a positive integer, got ${c.id}`);
  if (!(c.heartbeatTick > 0)) throw new ConfigError('heartbeatTick must be greater than 0');
  // Followers must hear several heartbeats per election timeout, or a healthy leader would be
  // deposed by ordinary jitter (§5.6: broadcastTime << electionTimeout).
  if (!(c.electionTick > c.heartbeatTick)) throw new ConfigError('electionTick must be greater than heartbeatTick');
  const maxSizePerMsg = c.maxSizePerMsg ?? 1024 * 1024;
  const maxInflightMsgs = c.maxInflightMsgs ?? 256;
  // A zero window would stop replication in Replicate state for good.
  if (maxInflightMsgs <= 0) throw new ConfigError('maxInflightMsgs must be greater than 0');
  const readOnlyOption = c.readOnlyOption ?? 'Safe';
  const checkQuorum = c.checkQuorum ?? false;
  // A lease is only sound if the leader steps down when it loses its quorum; without
  // check-quorum a deposed leader could keep answering reads from its stale state.
  if (readOnlyOption === 'LeaseBased' && !checkQuorum) {
    throw new ConfigError('checkQuorum must be enabled when readOnlyOption is LeaseBased');
  }
  // One silent logger for every node without one: simulations create thousands of nodes.
  if (c.logger === undefined) sharedSilentLogger ??= silentLogger('raft');
  return {
    id: c.id,
    electionTick: c.electionTick,
    heartbeatTick: c.heartbeatTick,
    storage: c.storage,
    rng: c.rng,
    applied: c.applied ?? 0,
    maxSizePerMsg,
    maxInflightMsgs,
    maxCommittedSizePerReady: c.maxCommittedSizePerReady ?? maxSizePerMsg,
    checkQuorum,
    preVote: c.preVote ?? false,
    readOnlyOption,
    disableProposalForwarding: c.disableProposalForwarding ?? false,
    logger: c.logger ?? (sharedSilentLogger as Logger),
  };
}
