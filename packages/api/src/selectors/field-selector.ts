// Field selectors as k8s.io/apimachinery/pkg/fields parses them, with the fields each resource
// supports (the apiserver's per-resource field label conversion functions).
import { KubemuError } from '@kubemu/base';

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

export class FieldSelectorError extends KubemuError {
  constructor(message: string) {
    super('FieldSelector', message);
  }
}

export class FieldSelector {
  constructor(readonly requirements: readonly FieldRequirement[]) {}

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  /** Matches against the selectable fields of an object (see selectableFields). */
  matches(fields: Readonly<Record<string, string>>): boolean {
    return this.requirements.every((r) => {
      const v = fields[r.field] ?? '';
      return r.operator === '!=' ? v !== r.value : v === r.value;
    });
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(',');
  }
}

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
}

/** Splits on unescaped separators; backslash escapes ',', '=', '!' and itself. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i];
    } else if (c === ',') {
      terms.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  terms.push(cur);
  return terms;
}

function unescape(v: string, selector: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') {
      const n = v[++i];
      if (n !== '\\' && n !== ',' && n !== '=') throw new FieldSelectorError(`invalid field selector: '${selector}'; invalid escape sequence`);
      out += n;
    } else if (c === ',' || c === '=') {
      throw new FieldSelectorError(`invalid field selector: '${selector}'; unescaped special character`);
    } else {
      out += c;
    }
  }
  return out;
}

/** fields.ParseSelector: "metadata.name=x,spec.nodeName!=y". Throws FieldSelectorError. */
export function parseFieldSelector(selector: string): FieldSelector {
  if (selector.trim() === '') return new FieldSelector([]);
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(selector)) {
    if (term === '') continue;
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
    const field = m?.[1];
    if (!m || field === undefined || field === '' || /[\\!]$/.test(field)) {
      throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    }
    reqs.push({ field, operator: m[2] as FieldOperator, value: unescape(m[3] ?? '', selector) });
  }
  return new FieldSelector(reqs);
}

const COMMON = ['metadata.name', 'metadata.namespace'];

/** Field labels each resource accepts beyond metadata.name and metadata.namespace. */
export const SUPPORTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.podIPs',
    'status.nominatedNodeName',
  ],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  secrets: ['type'],
  namespaces: ['status.phase'],
  nodes: ['spec.unschedulable'],
  replicationcontrollers: ['status.replicas'],
  replicasets: ['status.replicas'],
  jobs: ['status.successful'],
  persistentvolumeclaims: [],
};

/** The fields of `resource` that field selectors may use. */
export function supportedFields(resource: string): string[] {
  return [...COMMON, ...(SUPPORTED_FIELDS[resource] ?? [])];
}

/** Checks every field against the resource's supported set; the apiserver answers 400 with this message. */
export function validateFieldSelector(resource: string, selector: FieldSelector): FieldSelectorError | undefined {
  const ok = new Set(supportedFields(resource));
  const bad = selector.requirements.find((r) => !ok.has(r.field));
  return bad ? new FieldSelectorError(`field label not supported: ${bad.field}`) : undefined;
}

const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

/** The selectable fields of an object, as strings, for FieldSelector.matches. */
export function selectableFields(resource: string, obj: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of supportedFields(resource)) {
    const path = resource === 'events' && f === 'source' ? 'source.component' : f;
    let v = get(obj, path);
    if (resource === 'events' && f === 'source' && v === undefined) v = get(obj, 'reportingComponent');
    if (f === 'status.podIPs') v = (get(obj, 'status.podIPs') as { ip?: string }[] | undefined)?.[0]?.ip;
    if (f === 'spec.unschedulable' || f === 'spec.hostNetwork') v = v === true ? 'true' : 'false';
    if (f === 'status.replicas' || f === 'status.successful') v = String(v ?? 0);
    out[f] = v === undefined || v === null ? '' : String(v);
  }
  return out;
}
