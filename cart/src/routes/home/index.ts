import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';

/** The cart home page. */
const homeRoutes: RoutePlugin = async (app) => {
  app.get('/', async (_request, reply) =>
    reply.view('home.njk', {
      title: app.config.apps.cart.title,
      heading: 'Cart',
      intro: 'Your basket across the market and events.',
    }),
  );
};

export default homeRoutes;
