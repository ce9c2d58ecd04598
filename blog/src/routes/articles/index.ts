import { wantsActivityJson } from '@rose-ash/shared/infrastructure/activitypub/plugin.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { z } from 'zod';

/**
 * Our `Article` objects are dereferenceable at their ids: the live post as ActivityStreams
 * (browsers are sent to the post page), a `Tombstone` with 410 once it was unpublished or
 * deleted after being announced.
 */
const articleRoutes: RoutePlugin = async (app) => {
  app.get(
    '/ap/articles/:uuid',
    { schema: { params: z.object({ uuid: z.uuid() }) } },
    async (request, reply) => {
      reply.header('vary', 'Accept');
      const found = await app.services.blog.getArticle(request.params.uuid);
      if (found.kind === 'none') throw new AppError('RESOURCE_NOT_FOUND');
      if (found.kind === 'gone') {
        throw new AppError('RESOURCE_GONE', 'This post was deleted', { activity: found.tombstone });
      }
      if (!wantsActivityJson(request.headers.accept)) {
        return reply.redirect(`${app.config.apps.blog.publicUrl}/${found.slug}/`, 302);
      }
      return reply.type('application/activity+json; charset=utf-8').send(found.article);
    },
  );
};

export default articleRoutes;
