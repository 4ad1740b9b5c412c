// Go's time.Parse and Time.Format for the two layouts Kubernetes timestamps use, so a timestamp is
// accepted, refused and re-printed exactly as kube-apiserver's decoder does it:
//   metav1.Time      time.RFC3339  "2006-01-02T15:04:05Z07:00"
//   metav1.MicroTime RFC3339Micro  "2006-01-02T15:04:05.000000Z07:00"
// Go walks the layout chunk by chunk ("2006", "-", "01", ...), so the error names the first chunk
// of the layout the value does not fit, with the rest of the value from that point:
//   parsing time "2026-01-02T03:04:05.006Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".006Z" as ".000000"
// Quirks kept on purpose, because clients can observe them: the hour may have one digit; RFC3339
// takes an optional fraction of any length after the seconds ("." or ","), MicroTime exactly six
// digits; a day is checked against its month only after the whole value has been read.
// Go parses bytes, not UTF-16 units: values are handled as their UTF-8 bytes, one char per byte.

export const RFC3339 = '2006-01-02T15:04:05Z07:00';
export const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';
export type TimeLayout = typeof RFC3339 | typeof RFC3339_MICRO;

/** An instant: whole seconds since the Unix epoch (may be negative) and 0..999999999 nanoseconds. */
export interface GoInstant {
  seconds: number;
  nanos: number;
}

export type ParsedTime = { ok: true; instant: GoInstant } | { ok: false; message: string };

type Std = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'micros' | 'zone';

/** One step of the layout: literal text to skip, then a field. */
interface Chunk {
  prefix: string;
  std: Std;
  /** The field's spelling in the layout, as the error quotes it. */
  text: string;
}

const DATE_TIME: readonly Chunk[] = [
  { prefix: '', std: 'year', text: '2006' },
  { prefix: '-', std: 'month', text: '01' },
  { prefix: '-', std: 'day', text: '02' },
  { prefix: 'T', std: 'hour', text: '15' },
  { prefix: ':', std: 'minute', text: '04' },
  { prefix: ':', std: 'second', text: '05' },
];
const ZONE: Chunk = { prefix: '', std: 'zone', text: 'Z07:00' };
const CHUNKS: Readonly<Record<TimeLayout, readonly Chunk[]>> = {
  [RFC3339]: [...DATE_TIME, ZONE],
  [RFC3339_MICRO]: [...DATE_TIME, { prefix: '', std: 'micros', text: '.000000' }, ZONE],
};

const isDigit = (s: string, i: number): boolean => i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39;
const commaOrPeriod = (c: string | undefined): boolean => c === '.' || c === ',';

/** Go's getnum: one or two leading digits; `fixed` demands two. */
function getnum(s: string, fixed: boolean): { n: number; rest: string } | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : { n: Number(s[0]), rest: s.slice(1) };
  return { n: Number(s.slice(0, 2)), rest: s.slice(2) };
}

/** Go's atoi: an optional sign, then digits only (none at all reads as 0). */
function atoi(s: string): number | undefined {
  const m = /^([+-]?)(\d*)$/.exec(s);
  if (m === null) return undefined;
  const n = Number(m[2]);
  return m[1] === '-' ? -n : n;
}

/** Go's parseNanoseconds: value starts with the separator; `nbytes` counts it. */
function parseNanos(value: string, nbytes: number): { nanos: number; range?: string } | undefined {
  if (!commaOrPeriod(value[0])) return undefined;
  const n = Math.min(nbytes, 10);
  const ns = atoi(value.slice(1, n));
  if (ns === undefined) return undefined;
  if (ns < 0) return { nanos: 0, range: 'fractional second' };
  return { nanos: ns * 10 ** (10 - n) };
}

/** time's own quote(): bytes outside printable ASCII as \xNN, quotes and backslashes escaped. */
function quote(bytes: string): string {
  let out = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (c >= 0x80 || c < 0x20) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += c === 0x22 || c === 0x5c ? `\\${bytes[i]!}` : bytes[i]!;
  }
  return `${out}"`;
}

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (month: number, year: number): number => (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!);

/** Days from 1970-01-01 to a proleptic Gregorian date (any year, month 1..12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: era * 400 + yoe + (month <= 2 ? 1 : 0), month, day };
}

/** time.Parse(layout, value). */
export function parseGoTime(layout: TimeLayout, value: string): ParsedTime {
  const all = Buffer.from(value, 'utf8').toString('latin1');
  const fail = (message: string): ParsedTime => ({ ok: false, message: `parsing time ${quote(all)}${message}` });
  const cannot = (elem: string, layoutElem: string): ParsedTime => fail(` as ${quote(layout)}: cannot parse ${quote(elem)} as ${quote(layoutElem)}`);
  const f = { year: 1, month: -1, day: -1, hour: 0, minute: 0, second: 0, nanos: 0, offset: 0 };
  const chunks = CHUNKS[layout];
  let rest = all;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    if (chunk.prefix !== '') {
      if (!rest.startsWith(chunk.prefix)) return cannot(rest, chunk.prefix);
      rest = rest.slice(chunk.prefix.length);
    }
    const hold = rest;
    const r = readStd(chunk.std, rest, f, chunks[i + 1]?.std);
    if (r.range !== undefined) return fail(`: ${r.range} out of range`);
    if (r.rest === undefined) return cannot(hold, chunk.text);
    rest = r.rest;
  }
  if (rest !== '') return fail(`: extra text: ${quote(rest)}`);
  if (f.day < 1 || f.day > daysIn(f.month, f.year)) return fail(': day out of range');
  const seconds = daysFromCivil(f.year, f.month, f.day) * 86400 + f.hour * 3600 + f.minute * 60 + f.second - f.offset;
  return { ok: true, instant: { seconds, nanos: f.nanos } };
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  offset: number;
}

/** One field of the layout; `rest` undefined is Go's errBad, `range` its "x out of range". */
function readStd(std: Std, value: string, f: Fields, next: Std | undefined): { rest?: string; range?: string } {
  switch (std) {
    case 'year': {
      if (value.length < 4 || !isDigit(value, 0)) return {};
      const y = atoi(value.slice(0, 4));
      if (y === undefined) return {};
      f.year = y;
      return { rest: value.slice(4) };
    }
    case 'month': {
      const r = getnum(value, true);
      if (r === undefined) return {};
      f.month = r.n;
      return r.n <= 0 || r.n > 12 ? { range: 'month' } : { rest: r.rest };
    }
    case 'day': {
      const r = getnum(value, true);
      if (r === undefined) return {};
      f.day = r.n;
      return { rest: r.rest };
    }
    case 'hour': {
      const r = getnum(value, false);
      if (r === undefined) return {};
      f.hour = r.n;
      return r.n >= 24 ? { range: 'hour' } : { rest: r.rest };
    }
    case 'minute': {
      const r = getnum(value, true);
      if (r === undefined) return {};
      f.minute = r.n;
      return r.n >= 60 ? { range: 'minute' } : { rest: r.rest };
    }
    case 'second':
      return readSeconds(value, f, next);
    case 'micros': {
      // stdFracSecond0: exactly the layout's digits, after a '.' or ','.
      if (value.length < 7) return {};
      const r = parseNanos(value, 7);
      if (r === undefined) return {};
      if (r.range !== undefined) return { range: r.range };
      f.nanos = r.nanos;
      return { rest: value.slice(7) };
    }
    case 'zone':
      return readZone(value, f);
  }
}

function readSeconds(value: string, f: Fields, next: Std | undefined): { rest?: string; range?: string } {
  const r = getnum(value, true);
  if (r === undefined) return {};
  if (r.n >= 60) return { range: 'second' };
  f.second = r.n;
  let rest = r.rest;
  // A fraction the layout does not spell out is still taken after the seconds, any length.
  if (next !== 'micros' && rest.length >= 2 && commaOrPeriod(rest[0]) && isDigit(rest, 1)) {
    let n = 2;
    while (isDigit(rest, n)) n++;
    const ns = parseNanos(rest, n);
    if (ns === undefined) return {};
    if (ns.range !== undefined) return { range: ns.range };
    f.nanos = ns.nanos;
    rest = rest.slice(n);
  }
  return { rest };
}

/** Z07:00: "Z", or a sign, two-digit hours, ':' and two-digit minutes. */
function readZone(value: string, f: Fields): { rest?: string; range?: string } {
  if (value.startsWith('Z')) return { rest: value.slice(1) };
  if (value.length < 6 || value[3] !== ':') return {};
  const hr = getnum(value.slice(1, 3), true);
  const mm = hr === undefined ? undefined : getnum(value.slice(4, 6), true);
  const h = hr?.n ?? 0;
  const m = mm?.n ?? 0;
  // Go compares with > here: offsets of 24 hours or 60 minutes are accepted.
  if (m > 60) return { range: 'time zone offset minute' };
  if (h > 24) return { range: 'time zone offset hour' };
  if (hr === undefined || mm === undefined) return {};
  const sign = value[0];
  if (sign !== '+' && sign !== '-') return {};
  f.offset = (sign === '-' ? -1 : 1) * (h * 60 + m) * 60;
  return { rest: value.slice(6) };
}

/** Go's zero time, 0001-01-01T00:00:00Z, which metav1 types print as null. */
export function isGoZeroTime(t: GoInstant): boolean {
  return t.seconds === -62135596800 && t.nanos === 0;
}

/** t.UTC().Format(layout): fractions are truncated, not rounded. */
export function formatGoTime(layout: TimeLayout, t: GoInstant): string {
  const days = Math.floor(t.seconds / 86400);
  const secs = t.seconds - days * 86400;
  const { year, month, day } = civilFromDays(days);
  const two = (n: number): string => String(n).padStart(2, '0');
  // appendInt(year, 4): a sign, then at least four digits.
  const y = (year < 0 ? '-' : '') + String(Math.abs(year)).padStart(4, '0');
  const clock = `${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}`;
  const frac = layout === RFC3339_MICRO ? `.${String(Math.floor(t.nanos / 1000)).padStart(6, '0')}` : '';
  return `${y}-${two(month)}-${two(day)}T${clock}${frac}Z`;
}
