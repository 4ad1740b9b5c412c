export * from './types';
export * from './errors';
export { MemoryStorage, limitSize, cloneConfState } from './storage';
export type { Storage } from './storage';
export * from './describe';
export { RawNode } from './raw-node';
export type { RaftConfig, Status, Progress } from './raw-node';
export type { ReadOnlyOption } from './read-only';
export type { ProgressStateType } from './progress';
