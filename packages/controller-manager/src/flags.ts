// kube-controller-manager's command line: the flags as Kubernetes names them, their defaults,
// and the parsing of their values (Go durations, booleans written bare or as =true/=false).
import { parseArgs } from 'node:util';

export const FLAG_DEFAULTS = {
  kubeconfig: '',
  master: '',
  'leader-elect': 'true',
  'leader-elect-lease-duration': '15s',
  'leader-elect-renew-deadline': '10s',
  'leader-elect-retry-period': '2s',
  'leader-elect-resource-lock': 'leases',
  'leader-elect-resource-namespace': 'kube-system',
  'leader-elect-resource-name': 'kube-controller-manager',
  controllers: '*',
  'concurrent-deployment-syncs': '5',
  'concurrent-replicaset-syncs': '5',
  'concurrent-rc-syncs': '5',
  'concurrent-endpoint-syncs': '5',
  'concurrent-serviceaccount-token-syncs': '5',
  'concurrent-namespace-syncs': '10',
  'concurrent-gc-syncs': '20',
  'concurrent-statefulset-syncs': '5',
  'concurrent-daemonset-syncs': '2',
  'concurrent-job-syncs': '5',
  'concurrent-cron-job-syncs': '5',
  'concurrent-horizontal-pod-autoscaler-syncs': '5',
  'node-monitor-grace-period': '40s',
  'node-monitor-period': '5s',
  'pod-eviction-timeout': '5m',
  'default-not-ready-toleration-seconds': '',
  'default-unreachable-toleration-seconds': '',
  'cluster-cidr': '10.244.0.0/16',
  'allocate-node-cidrs': 'false',
  'node-cidr-mask-size': '24',
  'horizontal-pod-autoscaler-sync-period': '15s',
  'horizontal-pod-autoscaler-downscale-stabilization': '5m',
  'horizontal-pod-autoscaler-tolerance': '0.1',
  'root-ca-file': '',
  'secure-port': '10257',
  'bind-address': '0.0.0.0',
  'kube-api-qps': '20',
  'kube-api-burst': '30',
  v: '0',
} as const;

export type FlagName = keyof typeof FLAG_DEFAULTS;
export type Flags = Record<FlagName, string>;

const BOOLEAN_FLAGS: ReadonlySet<string> = new Set(['leader-elect', 'allocate-node-cidrs']);

/** Parses argv (without node and the script); throws with kube's wording for unknown flags and bad values. */
export function parseFlags(argv: readonly string[]): Flags {
  // A bare boolean flag means true, as pflag allows; node's parser wants a value for string options.
  const args = argv.map((a) => (a.startsWith('--') && !a.includes('=') && BOOLEAN_FLAGS.has(a.slice(2)) ? `${a}=true` : a));
  const options = Object.fromEntries(Object.entries(FLAG_DEFAULTS).map(([k, d]) => [k, { type: 'string' as const, default: d }]));
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args, options, allowPositionals: false }).values as Record<string, string | undefined>;
  } catch (err) {
    const m = /Unknown option '(--?[^']+)'/.exec((err as Error).message);
    throw new Error(m ? `unknown flag: ${m[1]}` : (err as Error).message);
  }
  const out = { ...FLAG_DEFAULTS } as Flags;
  for (const k of Object.keys(FLAG_DEFAULTS) as FlagName[]) out[k] = values[k] ?? FLAG_DEFAULTS[k];
  for (const b of BOOLEAN_FLAGS) boolFlag(out, b as FlagName);
  return out;
}

/** Go's time.ParseDuration for the units flags use: 15s, 1m30s, 500ms, 2h, 0. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * (units[m[2] as string] as number);
    matched += m[0];
  }
  if (matched === '' || matched !== s) throw new Error(`time: invalid duration "${s}"`);
  return total;
}

export function durationFlag(f: Flags, name: FlagName): number {
  try {
    return parseDuration(f[name]);
  } catch (err) {
    throw new Error(`invalid argument "${f[name]}" for "--${name}" flag: ${(err as Error).message}`);
  }
}

export function intFlag(f: Flags, name: FlagName): number {
  const v = f[name];
  if (!/^-?\d+$/.test(v)) throw new Error(`invalid argument "${v}" for "--${name}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number.parseInt(v, 10);
}

export function numberFlag(f: Flags, name: FlagName): number {
  const n = Number(f[name]);
  if (f[name] === '' || !Number.isFinite(n)) throw new Error(`invalid argument "${f[name]}" for "--${name}" flag: strconv.ParseFloat: parsing "${f[name]}": invalid syntax`);
  return n;
}

export function boolFlag(f: Flags, name: FlagName): boolean {
  const v = f[name].toLowerCase();
  if (['true', '1', 't'].includes(v)) return true;
  if (['false', '0', 'f'].includes(v)) return false;
  throw new Error(`invalid argument "${f[name]}" for "--${name}" flag: strconv.ParseBool: parsing "${f[name]}": invalid syntax`);
}

/** --concurrent-*-syncs by the controller names of the table. */
export function concurrentSyncs(f: Flags): Record<string, number> {
  return {
    deployment: intFlag(f, 'concurrent-deployment-syncs'),
    replicaset: intFlag(f, 'concurrent-replicaset-syncs'),
    replicationcontroller: intFlag(f, 'concurrent-rc-syncs'),
    endpoint: intFlag(f, 'concurrent-endpoint-syncs'),
    namespace: intFlag(f, 'concurrent-namespace-syncs'),
    garbagecollector: intFlag(f, 'concurrent-gc-syncs'),
    statefulset: intFlag(f, 'concurrent-statefulset-syncs'),
    daemonset: intFlag(f, 'concurrent-daemonset-syncs'),
    job: intFlag(f, 'concurrent-job-syncs'),
    cronjob: intFlag(f, 'concurrent-cron-job-syncs'),
    horizontalpodautoscaling: intFlag(f, 'concurrent-horizontal-pod-autoscaler-syncs'),
    serviceaccount: intFlag(f, 'concurrent-serviceaccount-token-syncs'),
  };
}
