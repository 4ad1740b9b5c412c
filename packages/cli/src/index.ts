// The launcher's reusable parts: testkit starts projects through them, tests check the parser.
export { loadCompose, parseCompose, splitCommand, normalizeProjectName } from './compose-file';
export type { ComposeProject, ServiceSpec, RestartPolicy, VolumeMount, NetworkMode } from './compose-file';
export { ComposeError, LauncherError, CommandFailedError } from './errors';
export { interpolate } from './interpolate';
export { rewriteForLoopback } from './loopback';
export { placeServices, hostsFile, BRIDGE } from './placement';
export type { Placement } from './placement';
export { RunDir } from './run-dir';
export type { RunState, ServiceState, ServiceStatus, Mode } from './run-dir';
