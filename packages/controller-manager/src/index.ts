// @kubemu/controller-manager: kube-controller-manager. Controllers live one per folder under
// controllers/ and are listed in controllers/all.ts; main.ts is the process (flags, leader
// election, /healthz and /metrics); ControllerManager wires one leadership term's controllers.
export type { Controller, ControllerContext, ControllerFactory, ControllerOptions } from './controller';
export { CONTROLLERS, DISABLED_BY_DEFAULT } from './controllers/all';
export { ControllerManager, enabledControllers, resolveControllerName } from './controller-manager';
export type { ControllerManagerOptions } from './controller-manager';
export { parseFlags, parseDuration, FLAG_DEFAULTS } from './flags';
export type { Flags, FlagName } from './flags';
export { ControllerHarness, DEFAULT_TEST_OPTIONS } from './testing/controller-harness';
export type { HarnessOptions } from './testing/controller-harness';
