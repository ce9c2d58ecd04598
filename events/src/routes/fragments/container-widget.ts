import { ContainerWidgetQuery } from '@rose-ash/shared/contracts/widgets.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import type { FastifyPluginAsync } from 'fastify';

/** The `container-widget?type=&id=` fragment: a post's or market's upcoming events. */
const containerWidgetFragment: FastifyPluginAsync = async (app) => {
  app.registerFragment('container-widget', async (request) => {
    const query = ContainerWidgetQuery.safeParse(request.query);
    if (!query.success)
      throw new AppError('HTTP_REQUEST_INVALID', 'type must be post or market, id a positive integer');
    const entries = await app.services.calendar.listUpcomingForContainer(query.data, 5);
    return app.templates.render('fragments/container-widget.njk', {
      entries,
      events_url: app.config.apps.events.publicUrl,
    });
  });
};

export default containerWidgetFragment;
