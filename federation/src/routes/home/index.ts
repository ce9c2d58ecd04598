import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';

/** The federation home page. */
const homeRoutes: RoutePlugin = async (app) => {
  app.get('/', async (_request, reply) =>
    reply.view('home.njk', {
      title: app.config.apps.federation.title,
      heading: 'Federation',
      intro: 'Sign in once for every Rose Ash app, and follow us on the fediverse.',
    }),
  );
};

export default homeRoutes;
