import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import accountNavFragment from './routes/fragments/account-nav.ts';
import homeRoutes from './routes/home/index.ts';
import { accountSettings } from './services/settings.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the account app serves, as one named plugin. */
export const accountApp = fp(
  async (app) => {
    await app.register(homeRoutes);
    await app.register(accountNavFragment);
  },
  { name: 'account-app', fastify: '5.x' },
);

/** Builds the account app on the shared factory. Does not listen (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Settings are checked at boot: a bad value under `account:` stops start-up naming the key.
  accountSettings(deps.config);
  const app = await createApp('account', deps, { templatesDir });
  await app.register(accountApp);
  return app;
}
