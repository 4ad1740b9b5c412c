// Patch application for the fake API: JSON merge patch (RFC 7386) exactly, and strategic merge
// patch approximately. The real apiserver merges lists by the patchMergeKey of each field in the
// Go types; without those schemas this uses a table of the merge keys of the lists controllers
// and kubelets actually patch (conditions by type, containers by name, ...). Other lists are
// replaced, as a merge patch would. Directives supported: `$patch: delete|replace` in map list
// items and maps, `$deleteFromPrimitiveList/<field>`, `$retainKeys` and `$setElementOrder/<field>`
// (the last two are accepted and ignored).

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386: null deletes, objects merge recursively, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v) as Json;
  }
  return out;
}

/** Field name -> merge key for lists of objects with patchStrategy "merge". */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  conditions: 'type',
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  tolerations: 'key',
  ownerReferences: 'uid',
  addresses: 'type',
  taints: 'key',
  podIPs: 'ip',
  ports: 'port',
  topologySpreadConstraints: 'topologyKey',
};

/** Lists of scalars with patchStrategy "merge": the patch's values are added (a set union). */
const MERGE_SCALAR_LISTS = new Set(['finalizers']);

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !drop.has(JSON.stringify(x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v)) {
      out[k] = mergeList(k, Array.isArray(cur) ? cur : undefined, v, k === 'ports' && isContainerPorts(v, cur));
      continue;
    }
    const merged = applyStrategicMergePatch(cur, v);
    if (merged === undefined) delete out[k];
    else out[k] = merged as Json;
  }
  return out;
}

/** Container ports merge on containerPort; Service ports on port. */
function isContainerPorts(patch: Json[], cur: Json | undefined): boolean {
  const sample = [...patch, ...(Array.isArray(cur) ? cur : [])].find(isObject);
  return sample !== undefined && 'containerPort' in sample;
}

function mergeList(field: string, cur: Json[] | undefined, patch: Json[], containerPorts: boolean): Json[] {
  if (MERGE_SCALAR_LISTS.has(field)) {
    const out = [...(cur ?? [])];
    for (const v of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
    return out;
  }
  const key = containerPorts ? 'containerPort' : MERGE_KEYS[field];
  if (key === undefined || !patch.every(isObject)) return structuredClone(patch);
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p.$patch === 'replace')).map((p) => structuredClone(p));
  }
  const out = (cur ?? []).map((x) => x);
  for (const p of patch as JsonObject[]) {
    const i = out.findIndex((x) => isObject(x) && JSON.stringify(x[key]) === JSON.stringify(p[key]));
    if (p.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = applyStrategicMergePatch(out[i], p) as Json;
    else out.push(applyStrategicMergePatch(undefined, p) as Json);
  }
  return out;
}
