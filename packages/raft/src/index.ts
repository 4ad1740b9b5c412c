export * from './types';
export * from './errors';
export { MemoryStorage, limitSize, cloneConfState } from './storage';
export type { Storage } from './storage';
export * from './describe';
