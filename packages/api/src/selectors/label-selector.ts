// Label selectors as k8s.io/apimachinery/pkg/labels parses, prints and matches them.
import { KubemuError } from '@kubemu/base';
import type { LabelSelector } from '../types';
import type { FieldError } from '../validation/field-errors';
import { aggregateMessage, FieldPath, invalid, notSupported } from '../validation/field-errors';
import { isQualifiedName, isValidLabelValue } from '../validation/names';

export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and without duplicates, as sets.String.List() gives them. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

export class LabelSelectorParseError extends KubemuError {
  constructor(message: string) {
    super('LabelSelectorParse', message);
  }
}

/** A parsed selector: the conjunction of its requirements, sorted by key. `nothing` matches no object. */
export class Selector {
  constructor(
    readonly requirements: readonly Requirement[],
    private readonly nothing = false,
  ) {}

  static everything(): Selector {
    return new Selector([]);
  }

  static nothing(): Selector {
    return new Selector([], true);
  }

  isEmpty(): boolean {
    return !this.nothing && this.requirements.length === 0;
  }

  matches(labels: Labels | undefined): boolean {
    if (this.nothing) return false;
    const l = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, l));
  }

  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value ?? '');
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[+-]?\d+$/.test(value ?? '')) return false;
      const lv = BigInt(value ?? '0');
      const rv = BigInt(r.values[0] ?? '0');
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0] ?? ''}`;
    case 'lt':
      return `${r.key}<${r.values[0] ?? ''}`;
    default:
      return `${r.key}${r.operator}${r.values[0] ?? ''}`;
  }
}

/** labels.NewRequirement: validates key, operator arity and values; returns the errors it finds. */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): Requirement | FieldError[] {
  const errs: FieldError[] = [];
  const keyPath = FieldPath.root('key');
  const valuePath = FieldPath.root('values');
  const msgs = isQualifiedName(key);
  if (msgs.length > 0) errs.push(invalid(keyPath, key, msgs.join('; ')));
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalid(valuePath, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalid(valuePath, values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalid(valuePath, values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalid(valuePath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push(invalid(valuePath.index(i), v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(notSupported(FieldPath.root('operator'), operator, ['in', 'notin', '=', '==', '!=', 'exists', '!', 'gt', 'lt']));
  }
  values.forEach((v, i) => {
    const m = isValidLabelValue(v);
    if (m.length > 0) errs.push(invalid(valuePath.index(i).key(key), v, m.join('; ')));
  });
  if (errs.length > 0) return errs;
  return { key, operator, values: [...new Set(values)].sort() };
}

function sortRequirements(rs: Requirement[]): Requirement[] {
  return rs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * metav1.LabelSelectorAsSelector: an absent selector selects nothing, an empty one everything.
 * Throws LabelSelectorParseError for an unknown operator or invalid keys and values.
 */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (!ls) return Selector.nothing();
  const reqs: Requirement[] = [];
  const add = (key: string, op: LabelOperator, values: readonly string[]): void => {
    const r = newRequirement(key, op, values);
    if (Array.isArray(r)) throw new LabelSelectorParseError(aggregateMessage(r));
    reqs.push(r);
  };
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) add(k, '=', [v]);
  for (const expr of ls.matchExpressions ?? []) {
    const op = EXPRESSION_OPERATORS[expr.operator];
    if (!op) throw new LabelSelectorParseError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    add(expr.key, op, expr.values ?? []);
  }
  return new Selector(sortRequirements(reqs));
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator | undefined> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/** Whether an object's labels match a LabelSelector object (absent selects nothing). */
export function labelSelectorMatches(ls: LabelSelector | undefined | null, labels: Labels | undefined): boolean {
  return selectorFromLabelSelector(ls).matches(labels);
}

export { sortRequirements };
