// CronJob schedules: the standard five-field cron syntax and the @-descriptors (robfig/cron's
// ParseStandard, which kube-controller-manager uses), in spec.timeZone or a TZ=/CRON_TZ= prefix,
// evaluated with the cron-parser library. Times are wall-clock milliseconds since the epoch.
import { CronExpressionParser } from 'cron-parser';
import type { CronJob } from '@kubemu/api';

export interface Schedule {
  /** The first schedule time strictly after `ms`. */
  next(ms: number): number;
  /** The last schedule time at or before `ms`, if any. */
  prevOrAt(ms: number): number | undefined;
}

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

/** Whether `tz` names an IANA time zone this runtime knows. */
export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The schedule of a CronJob, or a ScheduleError worded as robfig/cron words it. */
export function parseSchedule(cj: CronJob): Schedule | ScheduleError {
  let expr = (cj.spec?.schedule ?? '').trim();
  let tz = cj.spec?.timeZone ?? 'UTC';
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(expr);
  if (prefix) {
    tz = prefix[1] ?? tz;
    expr = (prefix[2] ?? '').trim();
  }
  if (!validTimeZone(tz)) return new ScheduleError(`provided bad location ${tz}: unknown time zone ${tz}`);
  if (expr.startsWith('@')) {
    const std = DESCRIPTORS[expr];
    if (std === undefined) return new ScheduleError(`unrecognized descriptor: ${expr}`);
    expr = std;
  } else {
    const fields = expr.split(/\s+/).filter((f) => f !== '');
    if (fields.length !== 5) return new ScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
    // robfig/cron knows month and weekday names but none of cron-parser's extensions (H, L, W, #).
    const names = /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT/gi;
    const bad = fields.find((f) => /[A-Za-z#]/.test(f.replace(names, '')));
    if (bad !== undefined) return new ScheduleError(`failed to parse int from ${bad}: strconv.Atoi: parsing ${JSON.stringify(bad)}: invalid syntax`);
  }
  try {
    CronExpressionParser.parse(expr, { tz, currentDate: new Date(0) }).next();
  } catch (err) {
    return new ScheduleError(err instanceof Error ? err.message : String(err));
  }
  const at = (ms: number) => CronExpressionParser.parse(expr, { tz, currentDate: new Date(ms) });
  return {
    next: (ms) => at(ms).next().getTime(),
    prevOrAt: (ms) => {
      try {
        return at(ms + 1).prev().getTime();
      } catch {
        return undefined;
      }
    },
  };
}

export interface MostRecent {
  /** The most recent unmet schedule time in (earliest, now], if any. */
  time?: number;
  /** How many schedule times fall in (earliest, now] (counting stops a little above 100). */
  missed: number;
}

const COUNT_LIMIT = 1000;

/** The latest schedule time after `earliest` and not after `now`, and how many were missed. */
export function mostRecentScheduleTime(schedule: Schedule, earliest: number, now: number): MostRecent {
  const first = schedule.next(earliest);
  if (first > now) return { missed: 0 };
  let missed = 0;
  for (let t = first; t <= now && missed < COUNT_LIMIT; t = schedule.next(t)) missed++;
  return { time: schedule.prevOrAt(now) ?? first, missed };
}

/** The job name for a schedule time: <cronjob>-<minutes since the epoch>. */
export function jobNameFor(cj: CronJob, scheduledMs: number): string {
  return `${cj.metadata?.name ?? ''}-${Math.floor(scheduledMs / 60_000)}`;
}

/** Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
export function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
