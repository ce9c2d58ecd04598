import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import homeRoutes from './routes/home/index.ts';
import { marketSettings } from './services/settings.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the market app serves, as one named plugin. */
export const marketApp = fp(
  async (app) => {
    await app.register(homeRoutes);
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
