#!/usr/bin/env node
// Writes packages/apiserver/src/openapi/schemas.json: the OpenAPI (swagger 2.0 style) definitions of
// every kind in packages/api/src/resources.ts (RESOURCES) and of everything they reference, derived
// from @kubernetes/client-node's generated models instead of being written by hand.
//
//   node scripts/gen-openapi.mjs           rewrite the file
//   node scripts/gen-openapi.mjs --stdout  print what would be written (the test compares the two)
//
// What the models give: each class's attributeTypeMap ({name, baseName, type, format}) for the shape,
// and the .d.ts next to it for descriptions (JSDoc) and required fields (no `?`). What they do not
// give, and is filled in here from Kubernetes' Go types: which Go package a type lives in (hence its
// definition name, io.k8s.api.<group>.<version>.<Kind>), which string fields are resource.Quantity,
// which `any` fields are RawExtension/FieldsV1, and the strategic-merge-patch metadata
// (patchStrategy/patchMergeKey struct tags) that kubectl apply needs to merge lists by key.
// Descriptions come from kubernetes-types (1.30, JSDoc of every field with Kubernetes' paragraph
// breaks kept), falling back to client-node's (1.34, which has newer fields but documents no field
// whose type is another model, and joined paragraphs into double spaces).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ts = require('typescript');
const modelsDir = path.join(root, 'node_modules/@kubernetes/client-node/dist/gen/models');
const typesDir = path.join(root, 'node_modules/kubernetes-types');
const outFile = path.join(root, 'packages/apiserver/src/openapi/schemas.json');

const k8s = await import('@kubernetes/client-node');

/** RESOURCES from the TypeScript source, so this script and the apiserver share one table. */
function loadResources() {
  const src = readFileSync(path.join(root, 'packages/api/src/resources.ts'), 'utf8');
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', js)(mod, mod.exports, require);
  return mod.exports.RESOURCES;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** Models that live in k8s.io/apimachinery/pkg/apis/meta/v1 rather than in an API group. */
const META_MODELS = [
  'V1ObjectMeta', 'V1ListMeta', 'V1Status', 'V1StatusDetails', 'V1StatusCause', 'V1OwnerReference',
  'V1ManagedFieldsEntry', 'V1LabelSelector', 'V1LabelSelectorRequirement', 'V1Condition', 'V1DeleteOptions',
  'V1Preconditions', 'V1WatchEvent',
];

/** Fields typed `string` (or a map of them) by the library that are resource.Quantity in Go. */
const QUANTITY_FIELDS = new Set([
  'V1ResourceRequirements.limits', 'V1ResourceRequirements.requests',
  'V1VolumeResourceRequirements.limits', 'V1VolumeResourceRequirements.requests',
  'V1EmptyDirVolumeSource.sizeLimit', 'V1ResourceFieldSelector.divisor',
  'V1NodeStatus.capacity', 'V1NodeStatus.allocatable', 'V1PodSpec.overhead',
  'V1PersistentVolumeSpec.capacity', 'V1PersistentVolumeClaimStatus.capacity',
  'V1PersistentVolumeClaimStatus.allocatedResources', 'V1ContainerStatus.allocatedResources',
  'V2MetricTarget.value', 'V2MetricTarget.averageValue', 'V2MetricValueStatus.value', 'V2MetricValueStatus.averageValue',
]);

/** Fields typed `any` by the library, by the Go type they have. */
const ANY_FIELDS = {
  'V1ControllerRevision.data': 'io.k8s.apimachinery.pkg.runtime.RawExtension',
  'V1WatchEvent.object': 'io.k8s.apimachinery.pkg.runtime.RawExtension',
  'V1ManagedFieldsEntry.fieldsV1': `${META}.FieldsV1`,
};

/** patchStrategy / patchMergeKey struct tags of the Go types (k8s.io/api, apimachinery meta/v1). */
const PATCH_META = {
  'V1ObjectMeta.finalizers': ['merge'],
  'V1ObjectMeta.ownerReferences': ['merge', 'uid'],
  'V1PodSpec.volumes': ['merge,retainKeys', 'name'],
  'V1PodSpec.initContainers': ['merge', 'name'],
  'V1PodSpec.containers': ['merge', 'name'],
  'V1PodSpec.ephemeralContainers': ['merge', 'name'],
  'V1PodSpec.imagePullSecrets': ['merge', 'name'],
  'V1PodSpec.hostAliases': ['merge', 'ip'],
  'V1PodSpec.topologySpreadConstraints': ['merge', 'topologyKey'],
  'V1PodSpec.resourceClaims': ['merge,retainKeys', 'name'],
  'V1PodSpec.schedulingGates': ['merge', 'name'],
  'V1Container.ports': ['merge', 'containerPort'],
  'V1Container.env': ['merge', 'name'],
  'V1Container.volumeMounts': ['merge', 'mountPath'],
  'V1Container.volumeDevices': ['merge', 'devicePath'],
  'V1EphemeralContainer.ports': ['merge', 'containerPort'],
  'V1EphemeralContainer.env': ['merge', 'name'],
  'V1EphemeralContainer.volumeMounts': ['merge', 'mountPath'],
  'V1EphemeralContainer.volumeDevices': ['merge', 'devicePath'],
  'V1PodStatus.conditions': ['merge', 'type'],
  'V1PodStatus.podIPs': ['merge', 'ip'],
  'V1PodStatus.hostIPs': ['merge', 'ip'],
  'V1PodStatus.resourceClaimStatuses': ['merge,retainKeys', 'name'],
  'V1ServiceSpec.ports': ['merge', 'port'],
  'V1ServiceStatus.conditions': ['merge', 'type'],
  'V1ServiceAccount.secrets': ['merge', 'name'],
  'V1NodeSpec.podCIDRs': ['merge'],
  'V1NodeStatus.conditions': ['merge', 'type'],
  'V1NodeStatus.addresses': ['merge', 'type'],
  'V1NamespaceStatus.conditions': ['merge', 'type'],
  'V1PersistentVolumeClaimStatus.conditions': ['merge', 'type'],
  'V1ReplicationControllerStatus.conditions': ['merge', 'type'],
  'V1DeploymentSpec.strategy': ['retainKeys'],
  'V1DeploymentStatus.conditions': ['merge', 'type'],
  'V1ReplicaSetStatus.conditions': ['merge', 'type'],
  'V1StatefulSetStatus.conditions': ['merge', 'type'],
  'V1DaemonSetStatus.conditions': ['merge', 'type'],
  'V1JobStatus.conditions': ['merge', 'type'],
  'V2HorizontalPodAutoscalerStatus.conditions': ['merge', 'type'],
};

/** Definitions with no model of their own (scalars with a wire format, opaque objects). */
const SPECIAL = {
  [`${META}.Time`]: {
    description: 'Time is a timestamp serialized as an RFC 3339 string with second precision, in UTC.',
    type: 'string',
    format: 'date-time',
  },
  [`${META}.MicroTime`]: {
    description: 'MicroTime is a timestamp serialized as an RFC 3339 string with microsecond precision.',
    type: 'string',
    format: 'date-time',
  },
  [`${META}.FieldsV1`]: {
    description: 'FieldsV1 stores a set of fields in a trie-like JSON structure, as used by managedFields.',
    type: 'object',
  },
  [`${META}.Patch`]: {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': {
    description: 'RawExtension holds an embedded object of any kind, kept as the JSON it was given.',
    type: 'object',
  },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    description: 'IntOrString is a type that can hold an int32 or a string; JSON and YAML carry the inner type, so a field can accept a name or a number.',
    type: 'string',
    format: 'int-or-string',
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    description: 'Quantity is a fixed-point number with an optional suffix: binary SI (Ki, Mi, Gi, Ti, Pi, Ei), decimal SI (m, k, M, G, T, P, E) or a decimal exponent (e.g. 1e3), serialized as a string such as "500m" or "128Mi".',
    type: 'string',
  },
};

/**
 * "V1Pod" -> { version: 'v1', short: 'Pod' }; "CoreV1Event" -> { version: 'v1', short: 'Event' }
 * (the library prefixes a group where two groups have a type of the same name: RbacV1Subject).
 */
function splitModelName(model) {
  const m = /^(?:[A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/.exec(model);
  if (!m) throw new Error(`unexpected model name ${model}`);
  return { version: m[1].toLowerCase(), short: m[2] };
}

function modelFor(info, kind, optional = false) {
  const cap = info.version[0].toUpperCase() + info.version.slice(1);
  const candidates = info.group === '' ? [`${cap}${kind}`, `Core${cap}${kind}`] : [`${cap}${kind}`];
  // CoreV1Event is core/v1's Event; V1Event would be events.k8s.io's.
  if (info.group === '' && kind.startsWith('Event')) candidates.reverse();
  const found = candidates.find((c) => k8s[c]?.attributeTypeMap);
  if (!found && !optional) throw new Error(`no client-node model for ${info.group}/${info.version} ${kind}`);
  return found;
}

/** Model names a type string refers to: 'Array<V1Container>' -> ['V1Container']. */
function referencedModels(type) {
  return [...type.matchAll(/\b((?:[A-Z][a-z]+)?V\d\w+)\b/g)].map((m) => m[1]).filter((n) => k8s[n]?.attributeTypeMap);
}

/** Every model reachable from `roots`, in a stable order. */
function closure(roots) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const a of k8s[name].attributeTypeMap) referencedModels(a.type).forEach(visit);
  };
  roots.forEach(visit);
  return seen;
}

/** Class and property documentation from the model's .d.ts. */
function readDocs(model) {
  const text = readFileSync(path.join(modelsDir, `${model}.d.ts`), 'utf8');
  const unescape = (s) => s.replace(/\\(["'\\])/g, '$1').trim();
  const classDoc = /\/\*\*\s*\n\*\s?(.*)\n\*\/\s*\nexport declare class/.exec(text);
  const props = {};
  const re = /(?:\/\*\*\s*\n\s*\*\s?(.*)\n\s*\*\/\s*\n)?\s*'([^']+)'(\?)?:/g;
  for (const m of text.matchAll(re)) props[m[2]] = { description: m[1] === undefined ? undefined : unescape(m[1]), required: m[3] === undefined };
  return { description: classDoc ? unescape(classDoc[1]) : undefined, props };
}

/**
 * JSDoc of a kubernetes-types declaration file: interface docs, their property docs, type alias docs.
 * The files are regular (one declaration or property per line, each after its own comment).
 */
function readTypesFile(file) {
  const out = { decls: {}, props: {} };
  let text;
  try {
    text = readFileSync(path.join(typesDir, file), 'utf8');
  } catch {
    return out;
  }
  let doc;
  let current;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*\/\*\*/.test(line)) {
      const block = [line];
      while (!/\*\/\s*$/.test(lines[i]) && i + 1 < lines.length) block.push(lines[++i]);
      doc = block
        .join('\n')
        .replace(/^\s*\/\*\*\s?/, '')
        .replace(/\s*\*\/\s*$/, '')
        .split('\n')
        .map((l) => l.replace(/^\s*\* ?/, ''))
        .join('\n')
        .replace(/\*\\\//g, '*/')
        .trim();
      continue;
    }
    const decl = /^export (?:interface|type) (\w+)/.exec(line);
    const prop = /^ {4}(?:readonly )?(\w+)\??:/.exec(line);
    if (decl) {
      current = line.startsWith('export interface') ? decl[1] : undefined;
      if (doc) out.decls[decl[1]] = doc;
      if (current) out.props[current] = {};
    } else if (prop && current && doc) {
      out.props[current][prop[1]] = doc;
    } else if (/^}/.test(line)) {
      current = undefined;
    }
    doc = undefined;
  }
  return out;
}

const typesFiles = new Map();
/** kubernetes-types' documentation of a definition: { description, props }, if it has one. */
function typesDocs(defName) {
  const m = /^io\.k8s\.(?:api\.(\w+)\.(\w+)|apimachinery\.pkg\.apis\.(meta)\.(v1)|apimachinery\.pkg\.(api)\.(resource)|apimachinery\.pkg\.(runtime))\.(\w+)$/.exec(defName);
  if (!m) return undefined;
  const file = m[7] ? 'runtime.d.ts' : `${m[1] ?? m[3] ?? m[5]}/${m[2] ?? m[4] ?? m[6]}.d.ts`;
  if (!typesFiles.has(file)) typesFiles.set(file, readTypesFile(file));
  const f = typesFiles.get(file);
  const name = m[8];
  return { description: f.decls[name], props: f.props[name] ?? {} };
}

function main() {
  const resources = loadResources();
  // The group that first reaches a model owns it: core/v1 before the others, because core types
  // (PodTemplateSpec, ObjectReference...) are referenced from every group.
  const groups = [];
  for (const r of resources) {
    let g = groups.find((x) => x.group === r.group && x.version === r.version);
    if (!g) groups.push((g = { group: r.group, version: r.version, roots: [] }));
    // Kinds that are only ever created (the review kinds) have no List.
    g.roots.push(modelFor(r, r.kind), ...[modelFor(r, r.listKind, true)].filter((m) => m !== undefined));
  }
  groups.sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : 0));
  const owner = new Map(META_MODELS.map((m) => [m, META]));
  for (const g of groups) {
    const pkg = g.group === '' ? 'core' : g.group.split('.')[0];
    for (const m of closure(g.roots)) {
      if (!owner.has(m)) owner.set(m, `io.k8s.api.${pkg}.${splitModelName(m).version}`);
    }
  }
  for (const m of closure(['V1Status', 'V1DeleteOptions', 'V1WatchEvent'])) if (!owner.has(m)) throw new Error(`meta model ${m} not in META_MODELS`);
  const defName = (model) => `${owner.get(model)}.${splitModelName(model).short}`;
  const ref = (name) => ({ $ref: `#/definitions/${name}` });

  const schemaOf = (model, attr) => {
    const key = `${model}.${attr.name}`;
    const quantity = QUANTITY_FIELDS.has(key);
    const parse = (type) => {
      const arr = /^Array<(.+)>$/.exec(type);
      if (arr) return { type: 'array', items: parse(arr[1]) };
      const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
      if (map) return { type: 'object', additionalProperties: parse(map[1]) };
      if (quantity && type === 'string') return ref('io.k8s.apimachinery.pkg.api.resource.Quantity');
      switch (type) {
        case 'string':
          return attr.format === 'byte' ? { type: 'string', format: 'byte' } : { type: 'string' };
        case 'boolean':
          return { type: 'boolean' };
        case 'number':
          return attr.format === 'double' ? { type: 'number', format: 'double' } : { type: 'integer', format: attr.format || 'int32' };
        case 'Date':
        case 'V1MicroTime':
          return ref(`${META}.${attr.format === 'date-time-micro' ? 'MicroTime' : 'Time'}`);
        case 'IntOrString':
          return ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
        case 'any':
          if (!ANY_FIELDS[key]) throw new Error(`${key} is typed any and has no known Go type`);
          return ref(ANY_FIELDS[key]);
        default:
          if (!owner.has(type)) throw new Error(`${key}: unknown type ${type}`);
          return ref(defName(type));
      }
    };
    if (quantity && !/string/.test(attr.type)) throw new Error(`${key} is listed as a Quantity but typed ${attr.type}`);
    return parse(attr.type);
  };

  const definitions = {};
  for (const [name, def] of Object.entries(SPECIAL)) definitions[name] = { ...def, description: typesDocs(name)?.description ?? def.description };
  for (const model of [...owner.keys()].sort((a, b) => defName(a).localeCompare(defName(b)))) {
    const docs = readDocs(model);
    const better = typesDocs(defName(model));
    const properties = {};
    const required = [];
    for (const attr of k8s[model].attributeTypeMap) {
      const doc = docs.props[attr.name] ?? {};
      const description = better?.props[attr.baseName] ?? doc.description;
      const s = { ...(description ? { description } : {}), ...schemaOf(model, attr) };
      const patch = PATCH_META[`${model}.${attr.name}`];
      if (patch) {
        if (patch[1]) s['x-kubernetes-patch-merge-key'] = patch[1];
        s['x-kubernetes-patch-strategy'] = patch[0];
      }
      properties[attr.baseName] = s;
      if (doc.required) required.push(attr.baseName);
    }
    const description = better?.description ?? docs.description;
    const def = { ...(description ? { description } : {}), type: 'object', properties };
    if (required.length > 0) def.required = required;
    definitions[defName(model)] = def;
  }
  for (const key of [...QUANTITY_FIELDS, ...Object.keys(PATCH_META), ...Object.keys(ANY_FIELDS)]) {
    const [model, field] = key.split('.');
    if (!owner.has(model)) throw new Error(`${key}: model not reachable`);
    if (!k8s[model].attributeTypeMap.some((a) => a.name === field)) throw new Error(`${key}: no such field`);
  }
  const sorted = Object.fromEntries(Object.keys(definitions).sort().map((k) => [k, definitions[k]]));
  return `${JSON.stringify({ generatedBy: 'scripts/gen-openapi.mjs', definitions: sorted }, null, 1)}\n`;
}

const out = main();
if (process.argv.includes('--stdout')) process.stdout.write(out);
else writeFileSync(outFile, out);
