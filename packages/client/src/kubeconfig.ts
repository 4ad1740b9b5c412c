// Where a component finds its apiserver and credentials, with the precedence of client-go's
// clientcmd.BuildConfigFromFlags plus kubectl's loading rules: an explicit --kubeconfig, then the
// KUBECONFIG list (merged, first file wins per entry), then in-cluster service-account files,
// then ~/.kube/config. Relative file paths inside a kubeconfig resolve against its directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubemuError } from '@kubemu/base';
import { parse as parseYaml } from 'yaml';

/** What a RestClient needs to reach one apiserver as one user. PEM material is held as text. */
export interface RestConfig {
  /** Base URL, e.g. https://10.96.0.1:443 (a path prefix is kept). */
  server: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  token?: string;
  /** Read again every minute, so that a rotated service-account token is picked up. */
  tokenFile?: string;
  username?: string;
  password?: string;
  /** The context's default namespace, when it names one. */
  namespace?: string;
  qps?: number;
  burst?: number;
  userAgent?: string;
}

export class KubeConfigError extends KubemuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KubeConfig', message, options);
  }
}

interface NamedCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

interface NamedUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
}

interface NamedContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** A parsed (possibly merged) kubeconfig; every file path in it is already absolute. */
export interface KubeConfig {
  currentContext?: string;
  clusters: Map<string, NamedCluster>;
  users: Map<string, NamedUser>;
  contexts: Map<string, NamedContext>;
}

const CLUSTER_PATHS = ['certificate-authority'] as const;
const USER_PATHS = ['tokenFile', 'client-certificate', 'client-key'] as const;

function entries<T>(list: unknown, field: string, file: string): [string, T][] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new KubeConfigError(`${file}: ${field}s must be a list`);
  return list.map((e: unknown) => {
    const named = e as { name?: unknown } & Record<string, unknown>;
    if (typeof named.name !== 'string') throw new KubeConfigError(`${file}: a ${field} entry has no name`);
    return [named.name, { ...((named[field] as object | undefined) ?? {}) } as T];
  });
}

function absolutise<T extends object>(obj: T, keys: readonly string[], baseDir: string): T {
  const rec = obj as Record<string, unknown>;
  for (const k of keys) {
    const v = rec[k];
    if (typeof v === 'string' && v !== '' && !path.isAbsolute(v)) rec[k] = path.resolve(baseDir, v);
  }
  return obj;
}

/** Parses one kubeconfig document; `file` names it in errors and anchors its relative paths. */
export function parseKubeConfig(text: string, file: string): KubeConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new KubeConfigError(`${file}: not valid YAML`, { cause: err });
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  const baseDir = path.dirname(path.resolve(file));
  const cfg: KubeConfig = {
    clusters: new Map(entries<NamedCluster>(d.clusters, 'cluster', file).map(([n, c]) => [n, absolutise(c, CLUSTER_PATHS, baseDir)])),
    users: new Map(entries<NamedUser>(d.users, 'user', file).map(([n, u]) => [n, absolutise(u, USER_PATHS, baseDir)])),
    contexts: new Map(entries<NamedContext>(d.contexts, 'context', file)),
  };
  const current = d['current-context'];
  if (typeof current === 'string' && current !== '') cfg.currentContext = current;
  return cfg;
}

/** Merges kubeconfigs as kubectl merges the KUBECONFIG list: the first to define a name wins. */
export function mergeKubeConfigs(configs: readonly KubeConfig[]): KubeConfig {
  const out: KubeConfig = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const c of configs) {
    if (out.currentContext === undefined && c.currentContext !== undefined) out.currentContext = c.currentContext;
    for (const [k, v] of c.clusters) if (!out.clusters.has(k)) out.clusters.set(k, v);
    for (const [k, v] of c.users) if (!out.users.has(k)) out.users.set(k, v);
    for (const [k, v] of c.contexts) if (!out.contexts.has(k)) out.contexts.set(k, v);
  }
  return out;
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new KubeConfigError(`unable to read ${what} ${file}`, { cause: err });
  }
}

const fromBase64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** The RestConfig of one context (the current one unless named). */
export function restConfigFromKubeConfig(kc: KubeConfig, contextName?: string): RestConfig {
  const name = contextName ?? kc.currentContext;
  if (name === undefined) throw new KubeConfigError('invalid configuration: no current context is set');
  const ctx = kc.contexts.get(name);
  if (ctx === undefined) throw new KubeConfigError(`context was not found for specified context: ${name}`);
  const cluster = kc.clusters.get(ctx.cluster ?? '');
  if (cluster === undefined) throw new KubeConfigError(`cluster has no server defined`);
  if (cluster.server === undefined || cluster.server === '') throw new KubeConfigError(`invalid configuration: no server found for cluster "${ctx.cluster ?? ''}"`);
  const user = kc.users.get(ctx.user ?? '') ?? {};
  const cfg: RestConfig = { server: cluster.server };
  if (cluster['certificate-authority-data']) cfg.caPem = fromBase64(cluster['certificate-authority-data']);
  else if (cluster['certificate-authority']) cfg.caPem = readText(cluster['certificate-authority'], 'certificate authority');
  if (cluster['insecure-skip-tls-verify'] === true) cfg.insecureSkipTlsVerify = true;
  if (cluster['tls-server-name']) cfg.tlsServerName = cluster['tls-server-name'];
  if (user['client-certificate-data']) cfg.certPem = fromBase64(user['client-certificate-data']);
  else if (user['client-certificate']) cfg.certPem = readText(user['client-certificate'], 'client certificate');
  if (user['client-key-data']) cfg.keyPem = fromBase64(user['client-key-data']);
  else if (user['client-key']) cfg.keyPem = readText(user['client-key'], 'client key');
  if (user.token) cfg.token = user.token;
  if (user.tokenFile) cfg.tokenFile = user.tokenFile;
  if (user.username !== undefined) cfg.username = user.username;
  if (user.password !== undefined) cfg.password = user.password;
  if (ctx.namespace) cfg.namespace = ctx.namespace;
  return cfg;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** rest.InClusterConfig: the kubernetes Service address from the environment and the pod's service-account files. */
export function inClusterConfig(env: NodeJS.ProcessEnv = process.env, serviceAccountDir = SERVICE_ACCOUNT_DIR): RestConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new KubeConfigError('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
  }
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const tokenFile = path.join(serviceAccountDir, 'token');
  const cfg: RestConfig = { server: `https://${hostPort}`, tokenFile, token: readText(tokenFile, 'service account token').trim() };
  const caFile = path.join(serviceAccountDir, 'ca.crt');
  if (fs.existsSync(caFile)) cfg.caPem = readText(caFile, 'certificate authority');
  const nsFile = path.join(serviceAccountDir, 'namespace');
  if (fs.existsSync(nsFile)) cfg.namespace = readText(nsFile, 'namespace').trim();
  return cfg;
}

export interface LoadRestConfigOptions {
  /** --kubeconfig. */
  kubeconfig?: string;
  /** --context. */
  context?: string;
  /** --master: overrides the server of whatever config is loaded. */
  master?: string;
  env?: NodeJS.ProcessEnv;
  serviceAccountDir?: string;
  homeDir?: string;
}

/** Loads the RestConfig a component or CLI should use; throws KubeConfigError when none can be found. */
export function loadRestConfig(opts: LoadRestConfigOptions = {}): RestConfig {
  const env = opts.env ?? process.env;
  const withMaster = (cfg: RestConfig): RestConfig => (opts.master ? { ...cfg, server: opts.master } : cfg);
  const fromFiles = (files: string[]): RestConfig =>
    withMaster(restConfigFromKubeConfig(mergeKubeConfigs(files.map((f) => parseKubeConfig(readText(f, 'kubeconfig'), f))), opts.context));

  if (opts.kubeconfig) return fromFiles([opts.kubeconfig]);
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f !== '' && fs.existsSync(f));
  if (list.length > 0) return fromFiles(list);
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) return withMaster(inClusterConfig(env, opts.serviceAccountDir));
  const home = path.join(opts.homeDir ?? os.homedir(), '.kube', 'config');
  if (fs.existsSync(home)) return fromFiles([home]);
  if (opts.master) return { server: opts.master };
  throw new KubeConfigError('invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable');
}
