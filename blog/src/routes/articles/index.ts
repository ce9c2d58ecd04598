import { apActivities, posts } from '@rose-ash/shared/db/schema/index.ts';
import { wantsActivityJson } from '@rose-ash/shared/infrastructure/activitypub/plugin.ts';
import { AS_CONTEXT } from '@rose-ash/shared/infrastructure/activitypub/uris.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { articleId, buildArticle } from '@rose-ash/shared/services/blog/post-activities.ts';
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';

const Params = z.object({ uuid: z.uuid() });

/**
 * Our `Article` objects are dereferenceable at their ids: the live post as ActivityStreams
 * (browsers are sent to the post page), a `Tombstone` with 410 once it was unpublished or
 * deleted after being announced.
 */
const articleRoutes: FastifyPluginAsync = async (app) => {
  app.get('/ap/articles/:uuid', async (request, reply) => {
    const params = Params.safeParse(request.params);
    if (!params.success) throw new AppError('RESOURCE_NOT_FOUND');
    reply.header('vary', 'Accept');
    const id = articleId(app.config, params.data);
    const [post] = await app.db.db.select().from(posts).where(eq(posts.uuid, params.data.uuid)).limit(1);
    const live = post && post.type === 'post' && post.status === 'published';
    if (live && !wantsActivityJson(request.headers.accept)) {
      return reply.redirect(`${app.config.apps.blog.publicUrl}/${post.slug}/`, 302);
    }
    if (live) {
      const article = await buildArticle(app.db.db, app.config, post);
      return reply
        .type('application/activity+json; charset=utf-8')
        .send({ '@context': AS_CONTEXT, ...article });
    }
    const announced = await app.db.db.$count(
      apActivities,
      and(eq(apActivities.objectUri, id), eq(apActivities.direction, 'out')),
    );
    if (!announced) throw new AppError('RESOURCE_NOT_FOUND');
    return reply
      .code(410)
      .type('application/activity+json; charset=utf-8')
      .send({ '@context': AS_CONTEXT, id, type: 'Tombstone', formerType: 'Article' });
  });
};

export default articleRoutes;
