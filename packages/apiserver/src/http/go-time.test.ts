// Go's time.Parse for Time (RFC3339) and MicroTime (RFC3339Micro): what is accepted, the error text
// of what is not (each expectation follows Go's parse() chunk by chunk), and the UTC re-encoding.
import { RFC3339, RFC3339_MICRO, formatGoTime, isGoZeroTime, parseGoTime } from './go-time';
import type { TimeLayout } from './go-time';

function error(layout: TimeLayout, value: string): string {
  const r = parseGoTime(layout, value);
  if (r.ok) throw new Error(`${value} parsed`);
  return r.message;
}

function canonical(layout: TimeLayout, value: string): string | null {
  const r = parseGoTime(layout, value);
  if (!r.ok) throw new Error(r.message);
  return isGoZeroTime(r.instant) ? null : formatGoTime(layout, r.instant);
}

const T = '"2006-01-02T15:04:05Z07:00"';
const M = '"2006-01-02T15:04:05.000000Z07:00"';

test('MicroTime wants exactly six fractional digits', () => {
  expect(error(RFC3339_MICRO, '2026-01-02T03:04:05.006Z')).toBe(`parsing time "2026-01-02T03:04:05.006Z" as ${M}: cannot parse ".006Z" as ".000000"`);
  expect(error(RFC3339_MICRO, '2026-01-02T03:04:05Z')).toBe(`parsing time "2026-01-02T03:04:05Z" as ${M}: cannot parse "Z" as ".000000"`);
  // Six digits are read, the seventh is where the zone should be.
  expect(error(RFC3339_MICRO, '2026-01-02T03:04:05.0061234Z')).toBe(`parsing time "2026-01-02T03:04:05.0061234Z" as ${M}: cannot parse "4Z" as "Z07:00"`);
  expect(error(RFC3339_MICRO, '2026-01-02T03:04:05.-00001Z')).toBe('parsing time "2026-01-02T03:04:05.-00001Z": fractional second out of range');
  expect(canonical(RFC3339_MICRO, '2026-01-02T03:04:05.006000Z')).toBe('2026-01-02T03:04:05.006000Z');
  expect(canonical(RFC3339_MICRO, '2026-01-02T03:04:05,123456-01:30')).toBe('2026-01-02T04:34:05.123456Z');
});

test('Time takes an optional fraction of any length, which the encoding drops', () => {
  expect(canonical(RFC3339, '2026-01-02T03:04:05Z')).toBe('2026-01-02T03:04:05Z');
  expect(canonical(RFC3339, '2026-01-02T03:04:05.123456789123Z')).toBe('2026-01-02T03:04:05Z');
  expect(canonical(RFC3339, '2026-01-02T03:04:05.999+02:00')).toBe('2026-01-02T01:04:05Z');
  // Go reads the hour with one or two digits.
  expect(canonical(RFC3339, '2026-01-02T3:04:05Z')).toBe('2026-01-02T03:04:05Z');
  // A fraction needs a digit after the separator; otherwise it is where the zone should be.
  expect(error(RFC3339, '2026-01-02T03:04:05.Z')).toBe(`parsing time "2026-01-02T03:04:05.Z" as ${T}: cannot parse ".Z" as "Z07:00"`);
});

test('Time refuses other shapes at the first chunk that does not fit', () => {
  expect(error(RFC3339, 'x')).toBe(`parsing time "x" as ${T}: cannot parse "x" as "2006"`);
  expect(error(RFC3339, '')).toBe(`parsing time "" as ${T}: cannot parse "" as "2006"`);
  expect(error(RFC3339, '2026-01-02 03:04:05Z')).toBe(`parsing time "2026-01-02 03:04:05Z" as ${T}: cannot parse " 03:04:05Z" as "T"`);
  expect(error(RFC3339, '2026-1-02T03:04:05Z')).toBe(`parsing time "2026-1-02T03:04:05Z" as ${T}: cannot parse "1-02T03:04:05Z" as "01"`);
  expect(error(RFC3339, '2026-01-02T03:04:05')).toBe(`parsing time "2026-01-02T03:04:05" as ${T}: cannot parse "" as "Z07:00"`);
  expect(error(RFC3339, '2026-01-02T03:04:05z')).toBe(`parsing time "2026-01-02T03:04:05z" as ${T}: cannot parse "z" as "Z07:00"`);
  expect(error(RFC3339, '2026-01-02T03:04:05+0100')).toBe(`parsing time "2026-01-02T03:04:05+0100" as ${T}: cannot parse "+0100" as "Z07:00"`);
  expect(error(RFC3339, '2026-01-02T03:04:05Zjunk')).toBe('parsing time "2026-01-02T03:04:05Zjunk": extra text: "junk"');
});

test('ranges: month, hour, minute, second and zone offset in the loop, the day at the end', () => {
  expect(error(RFC3339, '2026-13-02T03:04:05Z')).toBe('parsing time "2026-13-02T03:04:05Z": month out of range');
  expect(error(RFC3339, '2026-01-02T24:00:00Z')).toBe('parsing time "2026-01-02T24:00:00Z": hour out of range');
  expect(error(RFC3339, '2026-01-02T03:60:00Z')).toBe('parsing time "2026-01-02T03:60:00Z": minute out of range');
  expect(error(RFC3339, '2026-01-02T03:04:60Z')).toBe('parsing time "2026-01-02T03:04:60Z": second out of range');
  expect(error(RFC3339, '2026-01-02T03:04:05+25:00')).toBe('parsing time "2026-01-02T03:04:05+25:00": time zone offset hour out of range');
  expect(error(RFC3339, '2026-01-02T03:04:05+25:61')).toBe('parsing time "2026-01-02T03:04:05+25:61": time zone offset minute out of range');
  // Offsets of 24 hours and 60 minutes pass (Go compares with >).
  expect(canonical(RFC3339, '2026-01-02T03:04:05-24:00')).toBe('2026-01-03T03:04:05Z');
  expect(error(RFC3339, '2026-02-29T03:04:05Z')).toBe('parsing time "2026-02-29T03:04:05Z": day out of range');
  expect(canonical(RFC3339, '2024-02-29T03:04:05Z')).toBe('2024-02-29T03:04:05Z');
  // The day is checked after the rest: trailing text is reported first.
  expect(error(RFC3339, '2026-02-30T03:04:05Zx')).toBe('parsing time "2026-02-30T03:04:05Zx": extra text: "x"');
});

test('bytes outside printable ASCII are quoted as \\x escapes of their UTF-8', () => {
  expect(error(RFC3339, '2026-01-02T03:04:05Zé')).toBe('parsing time "2026-01-02T03:04:05Z\\xc3\\xa9": extra text: "\\xc3\\xa9"');
  expect(error(RFC3339, 'a"b\n')).toBe(`parsing time "a\\"b\\x0a" as ${T}: cannot parse "a\\"b\\x0a" as "2006"`);
});

test("Go's zero time prints as null; years beyond 0000..9999 after UTC conversion keep Go's form", () => {
  expect(canonical(RFC3339, '0001-01-01T00:00:00Z')).toBeNull();
  expect(canonical(RFC3339_MICRO, '0001-01-01T01:00:00.000000+01:00')).toBeNull();
  expect(canonical(RFC3339, '0001-01-01T00:00:01Z')).toBe('0001-01-01T00:00:01Z');
  expect(canonical(RFC3339, '0000-01-01T00:30:00+01:00')).toBe('-0001-12-31T23:30:00Z');
  expect(canonical(RFC3339, '9999-12-31T23:30:00-01:00')).toBe('10000-01-01T00:30:00Z');
  expect(canonical(RFC3339, '1969-12-31T23:59:59.5Z')).toBe('1969-12-31T23:59:59Z');
});
