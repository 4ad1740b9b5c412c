/**
 * Loopback mode (no root): all services share the host's network and filesystem, so each gets its
 * own 127.0.p.x address and the launcher rewrites what a container would have had for free, in
 * every argument and environment value of the service:
 *   - `0.0.0.0` becomes the service's own address (two services may listen on the same port);
 *   - a service name in host position (`//etcd-0`, `@etcd-0`, `etcd-0:2380`) becomes its address,
 *     since there is no /etc/hosts of its own to resolve it (the name left of `=` in
 *     `etcd-0=http://etcd-0:2380` is a member name and stays);
 *   - a volume's container path (`/var/lib/kubemu/...`) becomes its host directory.
 * A process that builds a name or a path at run time is not rewritten; it can read KUBEMU_ADDR_<NAME>
 * and KUBEMU_HOSTS instead. That is the honest limit of a mode without namespaces.
 */
export interface RewriteContext {
  selfAddress: string;
  addresses: ReadonlyMap<string, string>;
  /** [container path, host path] pairs. */
  volumes: ReadonlyArray<readonly [string, string]>;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function rewriteForLoopback(value: string, ctx: RewriteContext): string {
  let out = value;
  const byLength = [...ctx.volumes].sort((a, b) => b[0].length - a[0].length);
  for (const [target, host] of byLength) {
    out = out.replace(new RegExp(`(^|[^A-Za-z0-9_.-])${escape(target)}(?=$|[^A-Za-z0-9_.-])`, 'g'), (_m, pre: string) => `${pre}${host}`);
  }
  out = out.replace(/(^|[^0-9.])0\.0\.0\.0(?![0-9.])/g, (_m, pre: string) => `${pre}${ctx.selfAddress}`);
  const names = [...ctx.addresses.keys()].sort((a, b) => b.length - a.length);
  for (const name of names) {
    const address = ctx.addresses.get(name) as string;
    const n = escape(name);
    out = out
      .replace(new RegExp(`(//|@)${n}(?=$|[:/\\s,'"?])`, 'g'), (_m, pre: string) => `${pre}${address}`)
      .replace(new RegExp(`(^|[\\s,;=('"\\[])${n}(?=:\\d)`, 'g'), (_m, pre: string) => `${pre}${address}`);
  }
  return out;
}
