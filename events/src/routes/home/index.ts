import { Slug } from '@rose-ash/shared/contracts/http.ts';
import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { z } from 'zod';
import { eventsSettings } from '../../services/settings.ts';

/** Filters of the upcoming list; unknown values are a 400 naming the field. */
const UpcomingQuery = z.object({
  calendar: Slug.optional(),
  price: z.enum(['free', 'paid']).optional(),
  when: z.enum(['week', 'month']).optional(),
});

/** The events home page: upcoming entries across calendars, filterable. */
const homeRoutes: RoutePlugin = async (app) => {
  const { upcoming_limit: limit } = eventsSettings(app.config);
  app.get(
    '/',
    { schema: { querystring: UpcomingQuery }, config: { pageCache: { tags: [PAGE_TAGS.events] } } },
    async (request, reply) => {
      const { calendar, price, when } = request.query;
      const [entries, calendars] = await Promise.all([
        app.services.calendar.listUpcoming(limit, {
          ...(calendar ? { calendarSlug: calendar } : {}),
          ...(price ? { price } : {}),
          ...(when ? { within: when } : {}),
        }),
        app.services.calendar.listCalendars(),
      ]);
      return reply.view('home.njk', {
        title: app.config.apps.events.title,
        heading: 'Events',
        intro: "What's on: workshops, markets and gatherings.",
        entries,
        calendars,
        filters: { calendar: calendar ?? '', price: price ?? '', when: when ?? '' },
        filtered: Boolean(calendar || price || when),
      });
    },
  );
};

export default homeRoutes;
