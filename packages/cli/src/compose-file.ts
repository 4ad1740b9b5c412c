/**
 * Reads compose.yaml into the launcher's model of a project. Only what kubemu's compose file uses
 * is understood; everything else (build, image, init, healthcheck, x- fields, ...) is tolerated and
 * ignored, because the same file also runs under Docker and may say things only Docker needs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ComposeError } from './errors';
import { interpolateTree } from './interpolate';
import { startOrder } from './start-order';

export type RestartPolicy =
  | { kind: 'no' }
  | { kind: 'always' }
  | { kind: 'unless-stopped' }
  | { kind: 'on-failure'; maxRetries?: number };

/** A data volume: a named volume lives under the run directory, a bind mount is a host path. */
export interface VolumeMount {
  kind: 'volume' | 'bind';
  /** Volume name (kind volume) or absolute host path (kind bind). */
  source: string;
  /** Path the service sees. */
  target: string;
  readOnly: boolean;
}

/** `own`: the service gets its own network namespace; `service`: it joins another's (kubelet+kube-proxy). */
export type NetworkMode = { kind: 'own' } | { kind: 'service'; service: string };

export interface ServiceSpec {
  name: string;
  /** entrypoint followed by command, as compose combines them; run without a shell. */
  argv: string[];
  environment: Record<string, string>;
  volumes: VolumeMount[];
  restart: RestartPolicy;
  /** Direct dependencies: depends_on plus the service whose namespace this one joins. */
  dependsOn: string[];
  networkMode: NetworkMode;
  /** Informational in netns mode: every service has its own address, so nothing is published. */
  ports: string[];
}

export interface ComposeProject {
  name: string;
  /** Directory of the compose file: relative bind mounts resolve against it, processes run in it. */
  dir: string;
  /** Services in start order (dependencies first). */
  services: ServiceSpec[];
}

export interface LoadOptions {
  /** Overrides the file's `name:` and the directory-derived default, as `docker compose -p` does. */
  projectName?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadCompose(file: string, opts: LoadOptions = {}): ComposeProject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ComposeError(`${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  return parseCompose(text, { ...opts, file: path.resolve(file) });
}

export function parseCompose(text: string, opts: LoadOptions & { file: string }): ComposeProject {
  const doc = parseDocument(text, { merge: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    const at = pos ? `:${pos.line}:${pos.col}` : '';
    throw new ComposeError(`${opts.file}${at}: malformed YAML: ${first.message.split('\n')[0]}`, { cause: first });
  }
  const raw = interpolateTree(doc.toJS({ maxAliasCount: 1000 }), opts.env ?? process.env, opts.file);
  const top = asMap(raw, opts.file, 'the file');
  const services = asMap(top.services, opts.file, 'services');
  if (Object.keys(services).length === 0) throw new ComposeError(`${opts.file}: no services`);
  const dir = path.dirname(opts.file);
  const declaredVolumes = new Set(Object.keys(top.volumes === undefined || top.volumes === null ? {} : asMap(top.volumes, opts.file, 'volumes')));
  const specs = Object.entries(services).map(([name, body]) =>
    parseService(name, asMap(body ?? {}, opts.file, `services.${name}`), { file: opts.file, dir, declaredVolumes }),
  );
  const name = normalizeProjectName(opts.projectName ?? (typeof top.name === 'string' ? top.name : path.basename(dir)));
  return { name, dir, services: startOrder(specs, opts.file) };
}

/** Compose project names: lower case letters, digits, dash and underscore. */
export function normalizeProjectName(name: string): string {
  const normalized = name.toLowerCase().replace(/[^a-z0-9_-]/g, '');
  if (normalized === '') throw new ComposeError(`project name ${JSON.stringify(name)} has no usable characters`);
  return normalized;
}

interface Context {
  file: string;
  dir: string;
  declaredVolumes: Set<string>;
}

function parseService(name: string, body: Record<string, unknown>, ctx: Context): ServiceSpec {
  const where = `${ctx.file}: services.${name}`;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new ComposeError(`${where}: invalid service name`);
  const argv = [...commandList(body.entrypoint, `${where}.entrypoint`), ...commandList(body.command, `${where}.command`)];
  if (argv.length === 0) throw new ComposeError(`${where}: no command (kubemu runs processes from the checkout, not images)`);
  const networkMode = parseNetworkMode(body.network_mode, where);
  const dependsOn = dependsOnList(body.depends_on, where);
  if (networkMode.kind === 'service' && !dependsOn.includes(networkMode.service)) dependsOn.push(networkMode.service);
  return {
    name,
    argv,
    environment: { ...envFiles(body.env_file, ctx, where), ...environment(body.environment, where) },
    volumes: volumeList(body.volumes, ctx, where),
    restart: restartPolicy(body.restart, where),
    dependsOn,
    networkMode,
    ports: Array.isArray(body.ports) ? body.ports.map((p) => (typeof p === 'object' ? JSON.stringify(p) : String(p))) : [],
  };
}

function commandList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return splitCommand(value, where);
  if (Array.isArray(value)) return value.map((part) => scalar(part, where));
  throw new ComposeError(`${where}: must be a string or a list`);
}

/** Splits a command string like compose does (shell-like quoting, no shell features). */
export function splitCommand(command: string, where: string): string[] {
  const out: string[] = [];
  // undefined between words, so that "" is kept as an empty argument.
  let current: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1] as string)) current += command[++i] as string;
      else current += ch;
    } else if (/\s/.test(ch)) {
      if (current !== undefined) out.push(current);
      current = undefined;
    } else {
      current ??= '';
      if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '\\' && i + 1 < command.length) current += command[++i] as string;
      else current += ch;
    }
  }
  if (quote !== undefined) throw new ComposeError(`${where}: unterminated ${quote} quote`);
  if (current !== undefined) out.push(current);
  return out;
}

function environment(value: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value === null) return out;
  if (Array.isArray(value)) {
    for (const item of value) {
      const entry = scalar(item, `${where}.environment`);
      const eq = entry.indexOf('=');
      // `- NAME` without a value passes the launcher's own variable through, as compose does.
      if (eq < 0) {
        const inherited = process.env[entry];
        if (inherited !== undefined) out[entry] = inherited;
      } else out[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return out;
  }
  for (const [key, item] of Object.entries(asMap(value, where, 'environment'))) {
    out[key] = item === null || item === undefined ? (process.env[key] ?? '') : scalar(item, `${where}.environment.${key}`);
  }
  return out;
}

function envFiles(value: unknown, ctx: Context, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const files = Array.isArray(value) ? value : [value];
  const out: Record<string, string> = {};
  for (const f of files) {
    const file = path.resolve(ctx.dir, typeof f === 'object' && f !== null ? String((f as { path?: unknown }).path) : String(f));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ComposeError(`${where}.env_file: cannot read ${file}`, { cause: err });
    }
    for (const line of text.split('\n')) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const eq = trimmed.indexOf('=');
      if (eq > 0) out[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  return out;
}

function volumeList(value: unknown, ctx: Context, where: string): VolumeMount[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ComposeError(`${where}.volumes: must be a list`);
  return value.map((item): VolumeMount => {
    let source: string | undefined;
    let target: string;
    let readOnly = false;
    if (typeof item === 'string') {
      const parts = item.split(':');
      if (parts.length === 1) throw new ComposeError(`${where}.volumes: ${item}: anonymous volumes are not supported; name the volume`);
      source = parts[0] as string;
      target = parts[1] as string;
      readOnly = parts[2]?.split(',').includes('ro') ?? false;
    } else {
      const long = asMap(item, where, 'volumes[]');
      source = typeof long.source === 'string' ? long.source : undefined;
      target = scalar(long.target, `${where}.volumes[].target`);
      readOnly = long.read_only === true;
      if (source === undefined) throw new ComposeError(`${where}.volumes: ${target}: a source is required`);
    }
    if (!path.isAbsolute(target)) throw new ComposeError(`${where}.volumes: target ${target} must be an absolute path`);
    const isPath = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
    if (!isPath) {
      if (!ctx.declaredVolumes.has(source)) throw new ComposeError(`${where}.volumes: volume ${source} is not declared under top-level volumes`);
      return { kind: 'volume', source, target, readOnly };
    }
    const home = process.env.HOME ?? '/';
    const hostPath = source.startsWith('~') ? path.join(home, source.slice(1)) : path.resolve(ctx.dir, source);
    return { kind: 'bind', source: hostPath, target, readOnly };
  });
}

function restartPolicy(value: unknown, where: string): RestartPolicy {
  if (value === undefined || value === null || value === 'no' || value === false) return { kind: 'no' };
  if (value === 'always' || value === 'unless-stopped') return { kind: value };
  const m = typeof value === 'string' ? /^on-failure(?::(\d+))?$/.exec(value) : null;
  if (m) return m[1] === undefined ? { kind: 'on-failure' } : { kind: 'on-failure', maxRetries: Number(m[1]) };
  throw new ComposeError(`${where}.restart: ${JSON.stringify(value)} is not one of no, always, on-failure[:N], unless-stopped`);
}

function dependsOnList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  // Short form is a list of names; long form maps names to {condition}. Conditions are treated as
  // service_started: the launcher orders starts, it does not wait for health.
  if (Array.isArray(value)) return value.map((v) => scalar(v, `${where}.depends_on`));
  return Object.keys(asMap(value, where, 'depends_on'));
}

function parseNetworkMode(value: unknown, where: string): NetworkMode {
  if (value === undefined || value === null || value === 'bridge') return { kind: 'own' };
  const mode = scalar(value, `${where}.network_mode`);
  if (mode.startsWith('service:')) return { kind: 'service', service: mode.slice('service:'.length) };
  throw new ComposeError(`${where}.network_mode: ${mode} is not supported (use service:NAME or leave it out)`);
}

function asMap(value: unknown, file: string, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ComposeError(`${file}: ${what} must be a mapping`);
  return value as Record<string, unknown>;
}

function scalar(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ComposeError(`${where}: expected a string, got ${JSON.stringify(value)}`);
}
