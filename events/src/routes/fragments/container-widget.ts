import type { FastifyPluginAsync } from 'fastify';

/** The `container-widget?type=&id=` fragment: a post's or market's upcoming events. */
const containerWidgetFragment: FastifyPluginAsync = async (app) => {
  app.registerFragment('container-widget', async (_request, container) => {
    const entries = await app.services.calendar.listUpcomingForContainer(container, 5);
    return app.templates.render('fragments/container-widget.njk', {
      entries,
      events_url: app.config.apps.events.publicUrl,
    });
  });
};

export default containerWidgetFragment;
