export { runSeed, Simulation } from './simulation';
export type { SimOptions, SimResult } from './simulation';
export { Checker, checkLogMatching } from './checkers';
export type { Invariant, LogView, Violation } from './checkers';
export { randomConfig, describeConfig } from './config';
export type { SimConfig, FaultAction } from './config';
export { runSeeds, formatFailure, summaryLine } from './runner';
