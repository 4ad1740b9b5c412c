// What every controller is given and what it offers: the shape `main.ts` wires and tests build.
// A controller is informers -> event handlers that only enqueue keys -> workers that sync(key)
// (level-triggered, idempotent, an error requeues with backoff). See ../../../shared/STYLE.md.
import type { Clock, Logger, Rng } from '@kubemu/base';
import type { EventRecorder, RestClient, SharedInformerFactory } from '@kubemu/client';

export interface ControllerContext {
  client: RestClient;
  /** One factory for the whole process: controllers share informers (one watch per resource). */
  informers: SharedInformerFactory;
  clock: Clock;
  rng: Rng;
  log: Logger;
  /** An event recorder with this component's source (kube-controller-manager's sources are per controller, e.g. "deployment-controller"). */
  recorder(component: string): EventRecorder;
  /** Flags that tune controllers (see main.ts for the flag names and defaults). */
  options: ControllerOptions;
}

export interface ControllerOptions {
  /** --concurrent-*-syncs: workers per controller. */
  workers: number;
  /** --node-monitor-grace-period (ms): a node without a heartbeat for this long is NotReady. */
  nodeMonitorGracePeriodMs: number;
  /** --default-not-ready-toleration-seconds / unreachable: pods are evicted after this (ms). */
  podEvictionTimeoutMs: number;
  /** --cluster-cidr for node IPAM (one /24 per node). */
  clusterCidr: string;
  /** --horizontal-pod-autoscaler-sync-period (ms). */
  hpaSyncPeriodMs: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (ms). */
  hpaDownscaleStabilizationMs: number;
  /** --root-ca-file (or the kubeconfig's certificate authority): what root-ca-cert-publisher publishes as ca.crt. */
  rootCaPem?: string;
}

export interface Controller {
  /** kube-controller-manager's name for it (--controllers), e.g. "deployment", "replicaset". */
  readonly name: string;
  /** Starts handlers and workers; resolves when `signal` aborts and the workers have stopped. */
  run(signal: AbortSignal): Promise<void>;
}

export type ControllerFactory = (ctx: ControllerContext) => Controller;
