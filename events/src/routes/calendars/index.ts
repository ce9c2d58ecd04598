import { Slug } from '@rose-ash/shared/contracts/http.ts';
import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { localDate, localMonth, monthGrid } from '@rose-ash/shared/services/calendar/zoned-time.ts';
import { z } from 'zod';
import { calendarIcs, webcalUrl } from '../../services/ical.ts';

const CalendarParams = z.object({ calendar: Slug });
const CalendarQuery = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month such as 2026-12')
    .optional(),
  view: z.enum(['month', 'list']).optional(),
});

/** How far back a feed reaches: past entries stay a while so subscribers keep recent history. */
const FEED_HISTORY_DAYS = 90;

/**
 * A calendar: its month view (`?month=YYYY-MM`, an accessible table that becomes a list on
 * narrow screens) or its list of upcoming entries (`?view=list`), and its iCal feed.
 */
const calendarRoutes: RoutePlugin = async (app) => {
  const zone = app.config.site.timezone;

  app.get(
    '/:calendar/',
    {
      schema: { params: CalendarParams, querystring: CalendarQuery },
      config: { pageCache: { tags: [PAGE_TAGS.events] } },
    },
    async (request, reply) => {
      const calendar = await app.services.calendar.getCalendar(request.params.calendar);
      if (!calendar) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      const now = new Date();
      const feed = `${app.config.apps.events.publicUrl}/${calendar.slug}.ics`;
      const base = { title: calendar.name, calendar, feed_url: feed, webcal_url: webcalUrl(feed) };
      if (request.query.view === 'list') {
        const entries = await app.services.calendar.listCalendarEntries(calendar.id, {
          from: now,
          limit: 200,
        });
        return reply.view('calendar-list.njk', { ...base, view: 'list', entries });
      }
      const grid = monthGrid(request.query.month ?? localMonth(now, zone), zone, now);
      if (!grid) throw new AppError('HTTP_REQUEST_INVALID', 'month: not a month we can show');
      const entries = await app.services.calendar.listCalendarEntries(calendar.id, {
        from: grid.from,
        to: grid.to,
      });
      // Each entry on every local day it covers (multi-day entries span cells).
      const byDay = new Map<string, (typeof entries)[number][]>();
      for (const entry of entries) {
        const last = entry.endsAt ? new Date(entry.endsAt.getTime() - 1) : entry.startsAt;
        let day = localDate(entry.startsAt, zone);
        const lastDay = localDate(new Date(Math.max(last.getTime(), entry.startsAt.getTime())), zone);
        for (let guard = 0; guard < 62; guard++) {
          byDay.set(day, [...(byDay.get(day) ?? []), entry]);
          if (day >= lastDay) break;
          const next = new Date(`${day}T12:00:00Z`);
          next.setUTCDate(next.getUTCDate() + 1);
          day = next.toISOString().slice(0, 10);
        }
      }
      const monthLabel = new Intl.DateTimeFormat(app.config.site.locale, {
        month: 'long',
        year: 'numeric',
        timeZone: 'UTC',
      }).format(new Date(`${grid.month}-15T12:00:00Z`));
      return reply.view('calendar-month.njk', {
        ...base,
        view: 'month',
        grid,
        month_label: monthLabel,
        weeks: grid.weeks.map((week) =>
          week.map((d) => ({ ...d, entries: d.inMonth ? (byDay.get(d.date) ?? []) : [] })),
        ),
        has_entries: entries.length > 0,
      });
    },
  );

  app.get('/:calendar.ics', { schema: { params: CalendarParams } }, async (request, reply) => {
    const calendar = await app.services.calendar.getCalendar(request.params.calendar);
    if (!calendar) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const entries = await app.services.calendar.listEntryDetails(calendar.id, {
      from: new Date(Date.now() - FEED_HISTORY_DAYS * 86_400_000),
      limit: 1000,
    });
    return reply
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', `inline; filename="${calendar.slug}.ics"`)
      .header('cache-control', 'public, max-age=300')
      .send(calendarIcs(app.config, calendar, entries));
  });
};

export default calendarRoutes;
