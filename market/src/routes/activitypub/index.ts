import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';

/** The `Note`s that announced new products (one per scrape run) answer at their ids. */
const announcementRoutes: RoutePlugin = async (app) => {
  app.get('/ap/notes/:id', { schema: { params: IdParams } }, async (request, reply) => {
    const note = await app.services.market.getAnnouncement(request.params.id);
    if (!note) throw new AppError('RESOURCE_NOT_FOUND');
    return reply
      .header('vary', 'Accept')
      .type('application/activity+json; charset=utf-8')
      .send(JSON.stringify(note));
  });
};

export default announcementRoutes;
