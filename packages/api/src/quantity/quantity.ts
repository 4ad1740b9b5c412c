// Resource quantities as k8s.io/apimachinery/pkg/api/resource parses and prints them.
//
// A quantity is an exact decimal: `unscaled * 10^exponent`. Binary suffixes (Ki..Ei) multiply by
// a power of 1024, which is always an integer, so every accepted string has an exact decimal value.
// Invariant: exponent >= -9; finer values are rounded away from zero to nano precision on parse,
// as Kubernetes does.
import { KubemuError } from '@kubemu/base';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** The reasons ParseQuantity fails, with Kubernetes' messages. */
export const QUANTITY_ERRORS = {
  formatWrong: `quantities must match the regular expression '${SPLIT_RE}'`,
  numeric: 'unable to parse numeric part of quantity',
  suffix: "unable to parse quantity's suffix",
} as const;

export class QuantityParseError extends KubemuError {
  constructor(message: string) {
    super('QuantityParse', message);
  }
}

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_POWER = new Map(Object.entries(BINARY_SUFFIXES).map(([s, p]) => [p, s]));
const NANO = -9;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const pow10 = (n: number): bigint => 10n ** BigInt(n);
const abs = (n: bigint): bigint => (n < 0n ? -n : n);

interface Suffix {
  exponent10: number;
  power1024: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): Suffix | undefined {
  const dec = DECIMAL_SUFFIXES[suffix];
  if (dec !== undefined) return { exponent10: dec, power1024: 0, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES[suffix];
  if (bin !== undefined) return { exponent10: 0, power1024: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    return { exponent10: Number.parseInt(suffix.slice(1), 10), power1024: 0, format: 'DecimalExponent' };
  }
  return undefined;
}

/** Splits "1.5Gi" into sign, integer and fraction digits and suffix, following parseQuantityString. */
function split(str: string): { negative: boolean; whole: string; fraction: string; suffix: string } {
  let pos = 0;
  let negative = false;
  if (str[0] === '+' || str[0] === '-') {
    negative = str[0] === '-';
    pos++;
  }
  const wholeStart = pos;
  while (isDigit(str[pos])) pos++;
  const whole = str.slice(wholeStart, pos);
  let fraction = '';
  if (str[pos] === '.') {
    const fracStart = ++pos;
    while (isDigit(str[pos])) pos++;
    fraction = str.slice(fracStart, pos);
  }
  if (whole === '' && fraction === '') throw new QuantityParseError(QUANTITY_ERRORS.formatWrong);
  const suffixStart = pos;
  while (pos < str.length && 'eEinumkKMGTP'.includes(str[pos] ?? '')) pos++;
  if (str[pos] === '+' || str[pos] === '-') pos++;
  while (isDigit(str[pos])) pos++;
  if (pos !== str.length) throw new QuantityParseError(QUANTITY_ERRORS.formatWrong);
  return { negative, whole, fraction, suffix: str.slice(suffixStart) };
}

export class Quantity {
  private constructor(
    /** value = unscaled * 10^exponent */
    private readonly unscaled: bigint,
    private readonly exponent: number,
    readonly format: QuantityFormat,
  ) {}

  /** Parses a quantity string as resource.ParseQuantity does; throws QuantityParseError. */
  static parse(str: string): Quantity {
    if (str.length === 0) throw new QuantityParseError(QUANTITY_ERRORS.formatWrong);
    const { negative, whole, fraction, suffix } = split(str);
    const s = interpretSuffix(suffix);
    if (!s) throw new QuantityParseError(QUANTITY_ERRORS.suffix);
    let unscaled = BigInt(`${whole}${fraction}` || '0') * 1024n ** BigInt(s.power1024);
    let exponent = s.exponent10 - fraction.length;
    if (exponent < NANO) {
      // Round away from zero to nano precision (inf.RoundUp), as Kubernetes does.
      const divisor = pow10(NANO - exponent);
      const q = unscaled / divisor;
      unscaled = unscaled % divisor === 0n ? q : q + 1n;
      exponent = NANO;
    }
    if (negative) unscaled = -unscaled;
    return new Quantity(unscaled, exponent, s.format);
  }

  /** Like parse, but returns the error as a value. */
  static tryParse(str: string): Quantity | QuantityParseError {
    try {
      return Quantity.parse(str);
    } catch (err) {
      if (err instanceof QuantityParseError) return err;
      throw err;
    }
  }

  /** An integer quantity, e.g. fromInt(3, 'DecimalSI') prints "3". */
  static fromInt(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value), 0, format);
  }

  /** A quantity of milli-units, e.g. fromMilli(500) prints "500m". */
  static fromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(milli), -3, format);
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than other. */
  cmp(other: Quantity): -1 | 0 | 1 {
    const [a, b] = Quantity.align(this, other);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** The sum, in this quantity's format (or other's when this is zero, as Quantity.Add does). */
  add(other: Quantity): Quantity {
    const [a, b] = Quantity.align(this, other);
    const format = this.isZero() ? other.format : this.format;
    return new Quantity(a + b, Math.min(this.exponent, other.exponent), format);
  }

  sub(other: Quantity): Quantity {
    return this.add(other.neg());
  }

  neg(): Quantity {
    return new Quantity(-this.unscaled, this.exponent, this.format);
  }

  /** The value scaled by 10^-scale, rounded up (away from zero), as ScaledValue does. */
  scaledValue(scale: number): bigint {
    const e = this.exponent - scale;
    if (e >= 0) return this.unscaled * pow10(e);
    const divisor = pow10(-e);
    const q = this.unscaled / divisor;
    if (this.unscaled % divisor === 0n) return q;
    return this.unscaled > 0n ? q + 1n : q - 1n;
  }

  /** Integer value, rounded up: "1500m" -> 2. */
  value(): bigint {
    return this.scaledValue(0);
  }

  /** Milli-units, rounded up: "0.5" -> 500, "1n" -> 1. */
  milliValue(): bigint {
    return this.scaledValue(-3);
  }

  asApproximateFloat64(): number {
    return Number(this.unscaled) * 10 ** this.exponent;
  }

  /** The canonical form Kubernetes serializes: "0.5" -> "500m", "1e3" -> "1k", "1536Mi". */
  toString(): string {
    if (this.unscaled === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const small = abs(this.unscaled) * pow10(Math.max(this.exponent, 0)) < 1024n * pow10(Math.max(-this.exponent, 0));
      if (small || !this.isInteger()) format = 'DecimalSI';
    }
    if (format === 'BinarySI') return this.formatBinary();
    const [mantissa, exponent] = this.canonicalDecimal();
    if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
    const suffix = DECIMAL_BY_EXPONENT.get(exponent);
    if (suffix !== undefined) return `${mantissa}${suffix}`;
    // Beyond exa: keep the exa suffix with a larger mantissa.
    return `${mantissa * pow10(exponent - 18)}E`;
  }

  toJSON(): string {
    return this.toString();
  }

  /** Both unscaled values at the finer of the two exponents. */
  private static align(a: Quantity, b: Quantity): [bigint, bigint] {
    const e = Math.min(a.exponent, b.exponent);
    return [a.unscaled * pow10(a.exponent - e), b.unscaled * pow10(b.exponent - e)];
  }

  private isInteger(): boolean {
    return this.exponent >= 0 || this.unscaled % pow10(-this.exponent) === 0n;
  }

  private formatBinary(): string {
    let n = this.scaledValue(0);
    let power = 0;
    while (power < 6 && n % 1024n === 0n) {
      n /= 1024n;
      power++;
    }
    return `${n}${BINARY_BY_POWER.get(power) ?? ''}`;
  }

  /** mantissa * 10^exponent with the exponent a multiple of 3 and no factor of 1000 left in the mantissa. */
  private canonicalDecimal(): [bigint, number] {
    let mantissa = this.unscaled;
    let exponent = this.exponent;
    while (mantissa % 10n === 0n) {
      mantissa /= 10n;
      exponent++;
    }
    const rem = ((exponent % 3) + 3) % 3;
    return [mantissa * pow10(rem), exponent - rem];
  }
}

/** Parses and re-prints a quantity in canonical form; throws QuantityParseError. */
export function canonicalQuantity(str: string): string {
  return Quantity.parse(str).toString();
}
