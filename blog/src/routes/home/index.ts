import type { FastifyPluginAsync } from 'fastify';

/** The blog home page. */
const homeRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (_request, reply) =>
    reply.view('home.njk', {
      title: app.config.apps.blog.title,
      heading: 'Blog',
      intro: 'Stories, news and notes from the cooperative.',
    }),
  );
};

export default homeRoutes;
