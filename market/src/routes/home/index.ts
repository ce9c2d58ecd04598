import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';

/** The market home page: the markets. */
const homeRoutes: RoutePlugin = async (app) => {
  app.get('/', { config: { pageCache: { tags: [PAGE_TAGS.markets] } } }, async (_request, reply) =>
    reply.view('home.njk', {
      title: app.config.apps.market.title,
      heading: 'Market',
      intro: 'Local food and goods from our suppliers, in one market.',
      markets: await app.services.market.listMarkets(),
    }),
  );
};

export default homeRoutes;
