// The apiserver is a program (main.ts), not a library. What other packages may use of it: a real
// nats-server for benches and tests that run the apiserver with Events in NATS, as compose.yaml does.
export { startTestNats } from './events/test-nats';
export type { TestNats } from './events/test-nats';
