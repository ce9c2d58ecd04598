import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { marketJobs } from './jobs/index.ts';
import announcementRoutes from './routes/activitypub/index.ts';
import adminRoutes from './routes/admin/index.ts';
import catalogueRoutes from './routes/catalogue/index.ts';
import productCardsFragment from './routes/fragments/product-cards.ts';
import homeRoutes from './routes/home/index.ts';
import { marketMediaPlugin } from './services/media-plugin.ts';
import { stockState } from './services/presentation.ts';
import { scraperPlugin } from './services/scraper/scraper-plugin.ts';
import { marketSettings } from './services/settings.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the market app serves, as one named plugin. */
export const marketApp = fp(
  async (app) => {
    const settings = marketSettings(app.config);
    app.templates.addFilter('stock_state', (product: Parameters<typeof stockState>[0]) =>
      stockState(product, settings.low_stock_threshold),
    );
    await app.register(marketMediaPlugin);
    await app.register(scraperPlugin);
    await app.register(marketJobs);
    await app.register(homeRoutes);
    await app.register(adminRoutes);
    await app.register(announcementRoutes);
    await app.register(productCardsFragment);
    await app.register(catalogueRoutes);
  },
  { name: 'market-app', fastify: '5.x' },
);

/** Builds the market app on the shared factory. Does not listen (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Settings are checked at boot: a bad value under `market:` stops start-up naming the key.
  marketSettings(deps.config);
  const app = await createApp('market', deps, { templatesDir });
  await app.register(marketApp);
  return app;
}
