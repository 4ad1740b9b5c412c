// Small checks shared by the per-kind validators, with apimachinery's messages.
import { Quantity } from '../quantity/quantity';
import type { FieldError, FieldPath } from './field-errors';
import { invalid, notSupported, required } from './field-errors';
import { invalidEach } from './names';

export const PORT_RANGE_MSG = 'must be between 1 and 65535, inclusive';
export const NONNEGATIVE_MSG = 'must be greater than or equal to 0';

export function nonNegative(value: number | undefined, field: FieldPath): FieldError[] {
  return value !== undefined && value < 0 ? [invalid(field, value, NONNEGATIVE_MSG)] : [];
}

export function positive(value: number | undefined, field: FieldPath): FieldError[] {
  return value !== undefined && value <= 0 ? [invalid(field, value, 'must be greater than 0')] : [];
}

export function inRange(value: number | undefined, lo: number, hi: number, field: FieldPath): FieldError[] {
  return value !== undefined && (value < lo || value > hi) ? [invalid(field, value, `must be between ${lo} and ${hi}, inclusive`)] : [];
}

export function validPort(value: number | undefined, field: FieldPath): FieldError[] {
  return value !== undefined && (value < 1 || value > 65535) ? [invalid(field, value, PORT_RANGE_MSG)] : [];
}

/** A required enum field: Required when empty, Unsupported when not one of `supported`. */
export function oneOf(value: string | undefined, supported: readonly string[], field: FieldPath, requiredWhenEmpty = true): FieldError[] {
  if (value === undefined || value === '') return requiredWhenEmpty ? [required(field)] : [];
  return supported.includes(value) ? [] : [notSupported(field, value, supported)];
}

/** validation.IsValidPortName: an IANA_SVC_NAME. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.startsWith('-') || port.endsWith('-')) errs.push('must not begin or end with a hyphen');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  return errs;
}

export function validatePortName(name: string, field: FieldPath): FieldError[] {
  return invalidEach(field, name, isValidPortName(name));
}

/** A quantity field: parsed, or an Invalid error carrying the parse message. */
export function quantityAt(value: string | number | undefined, field: FieldPath, errs: FieldError[]): Quantity | undefined {
  if (value === undefined) return undefined;
  const q = Quantity.tryParse(String(value));
  if (q instanceof Quantity) return q;
  errs.push(invalid(field, value, q.message));
  return undefined;
}
