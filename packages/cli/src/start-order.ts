import { ComposeError } from './errors';

interface Node {
  name: string;
  dependsOn: string[];
}

/**
 * Orders services so that each starts after what it depends on (depends_on and network_mode
 * service:X); ties keep the file's order, so a file without dependencies starts top to bottom.
 */
export function startOrder<T extends Node>(services: T[], file: string): T[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of services) {
    for (const dep of s.dependsOn) {
      if (!byName.has(dep)) throw new ComposeError(`${file}: services.${s.name} depends on unknown service ${dep}`);
    }
  }
  const done = new Set<string>();
  const visiting: string[] = [];
  const out: T[] = [];
  const visit = (s: T): void => {
    if (done.has(s.name)) return;
    if (visiting.includes(s.name)) {
      throw new ComposeError(`${file}: dependency cycle ${[...visiting.slice(visiting.indexOf(s.name)), s.name].join(' -> ')}`);
    }
    visiting.push(s.name);
    for (const dep of s.dependsOn) visit(byName.get(dep) as T);
    visiting.pop();
    done.add(s.name);
    out.push(s);
  };
  services.forEach(visit);
  return out;
}

/** The named services plus everything they depend on, in start order (`kubemu up SERVICE...`). */
export function withDependencies<T extends Node>(ordered: T[], wanted: string[]): T[] {
  const byName = new Map(ordered.map((s) => [s.name, s]));
  const keep = new Set<string>();
  const add = (name: string): void => {
    if (keep.has(name)) return;
    keep.add(name);
    byName.get(name)?.dependsOn.forEach(add);
  };
  wanted.forEach(add);
  return ordered.filter((s) => keep.has(s.name));
}
