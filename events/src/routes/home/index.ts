import type { FastifyPluginAsync } from 'fastify';

/** The events home page. */
const homeRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (_request, reply) =>
    reply.view('home.njk', {
      title: app.config.apps.events.title,
      heading: 'Events',
      intro: "What's on: workshops, markets and gatherings.",
    }),
  );
};

export default homeRoutes;
