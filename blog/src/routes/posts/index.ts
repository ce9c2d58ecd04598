import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';

const Params = z.object({ slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,190}$/) });

/** A published post by slug (the full reader page, with meta and tags, comes with the reader issue). */
const postRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/:slug/',
    {
      config: {
        pageCache: {
          tags: (request) => [
            PAGE_TAGS.blogPost((request.params as { slug: string }).slug),
            PAGE_TAGS.blogPosts,
          ],
        },
      },
    },
    async (request, reply) => {
      const params = Params.safeParse(request.params);
      if (!params.success) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      const post = await app.services.blog.getPublishedPostBySlug(params.data.slug);
      if (!post) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      const widget = await app.fragments.fetch({
        name: 'container-widget',
        params: { type: 'post', id: post.id },
      });
      return reply.view('post.njk', { title: post.title, post, container_widget: widget });
    },
  );
};

export default postRoutes;
