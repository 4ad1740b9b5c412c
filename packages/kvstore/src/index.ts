export {};
export * from './mvcc';
