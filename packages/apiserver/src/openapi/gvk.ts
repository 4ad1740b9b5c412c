// Which definitions carry x-kubernetes-group-version-kind, the extension that ties a schema to the
// kinds it serializes (kubectl explain and apply look schemas up by it).
import type { ResourceInfo } from '@kubemu/api';
import { definitionName, definitions } from './definitions';
import type { GroupVersionKind } from './definitions';
import { DELETE_OPTIONS_DEF, META, STATUS_DEF, gvkOf } from './paths';

/** Definition name -> the kinds it is published as, for the given resources. */
export function gvkExtensions(resources: readonly ResourceInfo[]): Map<string, GroupVersionKind[]> {
  const defs = definitions();
  const out = new Map<string, GroupVersionKind[]>();
  const add = (def: string, gvk: GroupVersionKind): void => {
    if (defs[def] === undefined) return;
    const list = out.get(def) ?? [];
    if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) list.push(gvk);
    out.set(def, list);
  };
  for (const r of resources) {
    add(definitionName(gvkOf(r)), gvkOf(r));
    add(definitionName(gvkOf(r, r.listKind)), gvkOf(r, r.listKind));
  }
  add(STATUS_DEF, { group: '', version: 'v1', kind: 'Status' });
  // DeleteOptions and WatchEvent are registered in every group version, as in Kubernetes.
  for (const gv of groupVersions(resources)) {
    add(DELETE_OPTIONS_DEF, { ...gv, kind: 'DeleteOptions' });
    add(`${META}.WatchEvent`, { ...gv, kind: 'WatchEvent' });
  }
  return out;
}

/** The distinct group versions of `resources`, in order of first appearance. */
export function groupVersions(resources: readonly ResourceInfo[]): { group: string; version: string }[] {
  const out: { group: string; version: string }[] = [];
  for (const r of resources) if (!out.some((g) => g.group === r.group && g.version === r.version)) out.push({ group: r.group, version: r.version });
  return out;
}
