import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';

/** The events home page: upcoming entries. */
const homeRoutes: RoutePlugin = async (app) => {
  app.get('/', { config: { pageCache: { tags: [PAGE_TAGS.events] } } }, async (_request, reply) =>
    reply.view('home.njk', {
      title: app.config.apps.events.title,
      heading: 'Events',
      intro: "What's on: workshops, markets and gatherings.",
      entries: await app.services.calendar.listUpcoming(20),
    }),
  );
};

export default homeRoutes;
