import type { FastifyPluginAsync } from 'fastify';
import { eventsSettings } from '../../services/settings.ts';

/**
 * The `container-widget?type=post|page|market&id=` fragment: a container's next entries with
 * the places left. Cached by the fragment client; CalendarService drops the cached copies (and
 * the pages holding them) when a booking or an entry changes.
 */
const containerWidgetFragment: FastifyPluginAsync = async (app) => {
  const { widget_limit: limit } = eventsSettings(app.config);
  app.registerFragment('container-widget', async (_request, container) => {
    const entries = await app.services.calendar.listUpcomingForContainer(container, limit);
    return app.templates.render('fragments/container-widget.njk', {
      entries,
      events_url: app.config.apps.events.publicUrl,
    });
  });
};

export default containerWidgetFragment;
