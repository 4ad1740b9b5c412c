// Dropping the fields a schema does not know, as kube-apiserver's typed decoding does when
// fieldValidation is Warn or Ignore: the strict decoder names them (`unknown field
// "spec.containers[0].imagex"`) and the named paths are removed before the object is stored.
import type { KubeObject } from '@kubemu/api';

const UNKNOWN = /^unknown field "(.*)"$/;

function tokens(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) return [];
    if (m[1] !== '') out.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** Removes every `unknown field` the strict decoder reported; duplicate-field errors need nothing. */
export function pruneUnknownFields(obj: KubeObject, errors: readonly string[]): KubeObject {
  for (const e of errors) {
    const m = UNKNOWN.exec(e);
    if (m === null) continue;
    const path = tokens(m[1]!);
    let node: unknown = obj;
    for (const t of path.slice(0, -1)) node = node === null || typeof node !== 'object' ? undefined : (node as Record<string | number, unknown>)[t];
    const last = path[path.length - 1];
    if (node !== null && typeof node === 'object' && last !== undefined && !Array.isArray(node)) delete (node as Record<string | number, unknown>)[last];
  }
  return obj;
}
