// ObjectMeta validation on create and update (apimachinery's ValidateObjectMeta[Update]).
import type { ObjectMeta } from '../types';
import type { FieldError } from './field-errors';
import { FieldPath, forbidden, invalid, required } from './field-errors';
import { invalidEach, isDNS1123Label, validateAnnotations, validateLabels } from './names';

/** A name validator: Kubernetes' messages for a bad name, empty when it is fine. */
export type NameValidator = (name: string) => string[];

export interface ObjectMetaOptions {
  namespaced: boolean;
  validateName: NameValidator;
}

const META = FieldPath.root('metadata');

export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ObjectMetaOptions): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    // generateName is validated as a name prefix: a trailing '-' is allowed there.
    const prefix = m.generateName.endsWith('-') ? m.generateName.slice(0, -1) : m.generateName;
    errs.push(...invalidEach(META.child('generateName'), m.generateName, prefix === '' ? [] : opts.validateName(prefix)));
  }
  if (!m.name) {
    if (!m.generateName) errs.push(required(META.child('name'), 'name or generateName is required'));
  } else {
    errs.push(...invalidEach(META.child('name'), m.name, opts.validateName(m.name)));
  }
  if (opts.namespaced) {
    if (!m.namespace) errs.push(required(META.child('namespace')));
    else errs.push(...invalidEach(META.child('namespace'), m.namespace, isDNS1123Label(m.namespace)));
  } else if (m.namespace) {
    errs.push(forbidden(META.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...validateLabels(m.labels, META.child('labels')));
  errs.push(...validateAnnotations(m.annotations, META.child('annotations')));
  return errs;
}

/** "field is immutable" on a field whose value changed (ValidateImmutableField). */
export function immutable(newValue: unknown, oldValue: unknown, field: FieldPath | string): FieldError[] {
  return deepEqual(newValue, oldValue) ? [] : [invalid(field, newValue, 'field is immutable')];
}

export function validateObjectMetaUpdate(newMeta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined): FieldError[] {
  const n = newMeta ?? {};
  const o = oldMeta ?? {};
  return [
    ...immutable(n.name, o.name, META.child('name')),
    ...immutable(n.namespace, o.namespace, META.child('namespace')),
    ...immutable(n.uid, o.uid, META.child('uid')),
    ...immutable(n.creationTimestamp, o.creationTimestamp, META.child('creationTimestamp')),
    ...validateLabels(n.labels, META.child('labels')),
    ...validateAnnotations(n.annotations, META.child('annotations')),
  ];
}

/** Structural equality of JSON values (Kubernetes compares with apiequality.Semantic.DeepEqual). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
