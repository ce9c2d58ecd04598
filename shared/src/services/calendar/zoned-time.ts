/**
 * Wall-clock arithmetic in a named zone (the site's, Europe/London by default), with Temporal:
 * entries are stored as instants but typed, grouped into days and months, repeated weekly and
 * shown in local time, across daylight-saving changes.
 */
import type { Temporal } from '@js-temporal/polyfill';
import { temporal } from '../../infrastructure/temporal.ts';

const toInstant = (date: Date) => temporal().Instant.fromEpochMilliseconds(date.getTime());
const toDate = (zdt: Temporal.ZonedDateTime) => new Date(zdt.epochMilliseconds);

/** The instant `date` as wall-clock time in `timeZone`. */
export function zoned(date: Date, timeZone: string): Temporal.ZonedDateTime {
  return toInstant(date).toZonedDateTimeISO(timeZone);
}

/**
 * The instant of a local date (`YYYY-MM-DD`) and time (`HH:mm`, default midnight) in `timeZone`.
 * A time skipped by a spring-forward resolves later, a repeated one to its first occurrence
 * ("compatible", as calendars do). Null when the date or time is not valid.
 */
export function localToInstant(date: string, time: string | null, timeZone: string): Date | null {
  try {
    const plainDate = temporal().PlainDate.from(date, { overflow: 'reject' });
    const plainTime = time
      ? temporal().PlainTime.from(time, { overflow: 'reject' })
      : new (temporal().PlainTime)();
    return toDate(plainDate.toZonedDateTime({ timeZone, plainTime }));
  } catch {
    return null;
  }
}

/** `YYYY-MM-DD` of `date` in `timeZone`. */
export function localDate(date: Date, timeZone: string): string {
  return zoned(date, timeZone).toPlainDate().toString();
}

/** `HH:mm` of `date` in `timeZone`. */
export function localTime(date: Date, timeZone: string): string {
  return zoned(date, timeZone).toPlainTime().toString({ smallestUnit: 'minute' });
}

/** Local midnight starting `date` (a `YYYY-MM-DD`) plus `days` days, as an instant. */
export function startOfLocalDay(date: string, timeZone: string, days = 0): Date {
  return toDate(temporal().PlainDate.from(date).add({ days }).toZonedDateTime({ timeZone }));
}

/** The same local wall-clock time `weeks` weeks later (an hour's DST shift is absorbed). */
export function addLocalWeeks(date: Date, weeks: number, timeZone: string): Date {
  return toDate(zoned(date, timeZone).add({ weeks }));
}

/** `YYYY-MM` of `date` in `timeZone`. */
export function localMonth(date: Date, timeZone: string): string {
  return zoned(date, timeZone).toPlainDate().toPlainYearMonth().toString();
}

export interface MonthGrid {
  /** `YYYY-MM`. */
  month: string;
  prev: string;
  next: string;
  /** The first instant of the month and of the next, in the zone. */
  from: Date;
  to: Date;
  /** Weeks (Monday first), each seven days; days outside the month have `inMonth` false. */
  weeks: { date: string; day: number; inMonth: boolean; isToday: boolean }[][];
}

/** The Monday-first grid of a month (`YYYY-MM`) in `timeZone`, today marked. Null when invalid. */
export function monthGrid(month: string, timeZone: string, now: Date): MonthGrid | null {
  let ym: Temporal.PlainYearMonth;
  try {
    ym = temporal().PlainYearMonth.from(month, { overflow: 'reject' });
  } catch {
    return null;
  }
  if (ym.year < 1900 || ym.year > 2999) return null;
  const first = ym.toPlainDate({ day: 1 });
  const today = localDate(now, timeZone);
  const start = first.subtract({ days: first.dayOfWeek - 1 });
  const weeks: MonthGrid['weeks'] = [];
  let day = start;
  while (weeks.length < 6) {
    const week: MonthGrid['weeks'][number] = [];
    for (let i = 0; i < 7; i++) {
      week.push({
        date: day.toString(),
        day: day.day,
        inMonth: day.month === first.month,
        isToday: day.toString() === today,
      });
      day = day.add({ days: 1 });
    }
    weeks.push(week);
    // Stop once the month is done (4 to 6 rows).
    if (day.month !== first.month && temporal().PlainDate.compare(day, first) > 0) break;
  }
  return {
    month: ym.toString(),
    prev: ym.subtract({ months: 1 }).toString(),
    next: ym.add({ months: 1 }).toString(),
    from: toDate(first.toZonedDateTime({ timeZone })),
    to: toDate(first.add({ months: 1 }).toZonedDateTime({ timeZone })),
    weeks,
  };
}

/** The end of the current local week (next Monday, midnight) or month, as an instant. */
export function endOfLocal(unit: 'week' | 'month', now: Date, timeZone: string): Date {
  const today = zoned(now, timeZone).toPlainDate();
  const end =
    unit === 'week'
      ? today.add({ days: 8 - today.dayOfWeek })
      : today.toPlainYearMonth().add({ months: 1 }).toPlainDate({ day: 1 });
  return toDate(end.toZonedDateTime({ timeZone }));
}

/** ISO 8601 with the zone's offset at that instant (e.g. `2026-10-24T10:00:00+01:00`). */
export function isoWithOffset(date: Date, timeZone: string): string {
  return zoned(date, timeZone).toString({ timeZoneName: 'never', smallestUnit: 'second' });
}
