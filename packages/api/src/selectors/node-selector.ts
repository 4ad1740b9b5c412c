// Required node affinity and nodeSelector, compiled once per pod: a node matches when it has every
// nodeSelector label and matches at least one required term (a term is the AND of its match
// expressions and fields; a term with neither matches nothing).
import type { Node, Pod } from '../types';

type NodeAffinity = NonNullable<NonNullable<NonNullable<Pod['spec']>['affinity']>['nodeAffinity']>;
export type NodeSelectorTerm = NonNullable<NodeAffinity['requiredDuringSchedulingIgnoredDuringExecution']>['nodeSelectorTerms'][number];
type Requirement = NonNullable<NodeSelectorTerm['matchExpressions']>[number];

export type NodeMatcher = (labels: Readonly<Record<string, string>>, name: string) => boolean;

/** Parses a label value as an integer for Gt/Lt; undefined when it is not one. */
function int(s: string | undefined): number | undefined {
  if (s === undefined || !/^-?\d+$/.test(s)) return undefined;
  return Number(s);
}

function requirementMatches(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const have = int(value);
      const want = int(values[0]);
      if (have === undefined || want === undefined || values.length !== 1) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

export function termMatches(term: NodeSelectorTerm, labels: Readonly<Record<string, string>>, name: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!requirementMatches(r, Object.prototype.hasOwnProperty.call(labels, r.key) ? labels[r.key] : undefined)) return false;
  // The only field a node selector may name is metadata.name.
  for (const r of fields) if (r.key !== 'metadata.name' || !requirementMatches(r, name)) return false;
  return true;
}

/** The required part (nodeSelector + required node affinity) of a pod; undefined when it has none. */
export function requiredNodeMatcher(pod: Pod): NodeMatcher | undefined {
  const selector = pod.spec?.nodeSelector ?? undefined;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const sel = selector === undefined ? [] : Object.entries(selector);
  if (sel.length === 0 && terms === undefined) return undefined;
  return (labels, name) => {
    for (const [k, v] of sel) if (labels[k] !== v) return false;
    if (terms === undefined) return true;
    for (const t of terms) if (termMatches(t, labels, name)) return true;
    return false;
  };
}

export function nodeMatches(matcher: NodeMatcher | undefined, node: Node | undefined, name: string): boolean {
  return matcher === undefined || matcher(node?.metadata?.labels ?? {}, name);
}
