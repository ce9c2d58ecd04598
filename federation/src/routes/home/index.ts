import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';

/** The federation home page: sign-in, and the way into the social hub. */
const homeRoutes: RoutePlugin = async (app) => {
  app.get('/', async (request, reply) => {
    const member = request.user ? await app.services.federation.getMember(request.user.id) : null;
    return reply.view('home.njk', {
      title: app.config.apps.federation.title,
      heading: 'Federation',
      intro: 'Sign in once for every Rose Ash app, and meet the fediverse from here.',
      member,
    });
  });
};

export default homeRoutes;
