import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';

/** The account home page. */
const homeRoutes: RoutePlugin = async (app) => {
  app.get('/', async (_request, reply) =>
    reply.view('home.njk', {
      title: app.config.apps.account.title,
      heading: 'Account',
      intro: 'Your profile, newsletters, tickets, bookings and orders.',
    }),
  );
};

export default homeRoutes;
