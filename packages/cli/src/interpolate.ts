import { ComposeError } from './errors';

/**
 * Compose variable interpolation over every string of the file, as docker-compose does before it
 * reads anything: `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
 * `${VAR:?message}` / `${VAR?message}` (required) and `$$` for a literal dollar. An unset variable
 * without a default becomes the empty string, as in compose. Because the same file also runs under
 * Docker, kubemu adds no syntax of its own here.
 */
export function interpolate(value: string, env: NodeJS.ProcessEnv, where: string): string {
  const pattern = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^}])*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;
  return value.replace(pattern, (_m, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (dollar !== undefined) return '$';
    const name = (braced ?? bare) as string;
    const current = env[name];
    if (op === undefined) return current ?? '';
    const emptyCounts = op.startsWith(':');
    const missing = current === undefined || (emptyCounts && current === '');
    if (op.endsWith('-')) return missing ? (arg ?? '') : (current as string);
    if (missing) throw new ComposeError(`${where}: required variable ${name} is missing${arg ? `: ${arg}` : ''}`);
    return current as string;
  });
}

/** Applies `interpolate` to every string in a parsed YAML value (keys stay as written). */
export function interpolateTree(node: unknown, env: NodeJS.ProcessEnv, where: string): unknown {
  if (typeof node === 'string') return interpolate(node, env, where);
  if (Array.isArray(node)) return node.map((item) => interpolateTree(item, env, where));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) out[key] = interpolateTree(item, env, where);
    return out;
  }
  return node;
}
