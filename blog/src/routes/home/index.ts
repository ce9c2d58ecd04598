import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import type { FastifyPluginAsync } from 'fastify';

/** The blog home page: the latest published posts. */
const homeRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', { config: { pageCache: { tags: [PAGE_TAGS.blogPosts] } } }, async (_request, reply) =>
    reply.view('home.njk', {
      title: app.config.apps.blog.title,
      heading: 'Blog',
      intro: 'Stories, news and notes from the cooperative.',
      posts: await app.services.blog.listLatestPosts({ limit: 10 }),
    }),
  );
};

export default homeRoutes;
