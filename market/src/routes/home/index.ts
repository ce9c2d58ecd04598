import type { FastifyPluginAsync } from 'fastify';

/** The market home page. */
const homeRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (_request, reply) =>
    reply.view('home.njk', {
      title: app.config.apps.market.title,
      heading: 'Market',
      intro: 'Local food and goods from our suppliers, in one market.',
    }),
  );
};

export default homeRoutes;
