import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { federationJobs } from './jobs/index.ts';
import authRoutes from './routes/auth/index.ts';
import homeRoutes from './routes/home/index.ts';
import { federationSettings } from './services/settings.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the federation app serves, as one named plugin. */
export const federationApp = fp(
  async (app) => {
    await app.register(homeRoutes);
    await app.register(authRoutes);
    await app.register(federationJobs);
  },
  { name: 'federation-app', fastify: '5.x' },
);

/** Builds the federation app on the shared factory. Does not listen (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Settings are checked at boot: a bad value under `federation:` stops start-up naming the key.
  federationSettings(deps.config);
  const app = await createApp('federation', deps, { templatesDir });
  await app.register(federationApp);
  return app;
}
