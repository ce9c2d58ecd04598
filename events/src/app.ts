import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import containerWidgetFragment from './routes/fragments/container-widget.ts';
import homeRoutes from './routes/home/index.ts';
import { eventsSettings } from './services/settings.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the events app serves, as one named plugin. */
export const eventsApp = fp(
  async (app) => {
    await app.register(homeRoutes);
    await app.register(containerWidgetFragment);
  },
  { name: 'events-app', fastify: '5.x' },
);

/** Builds the events app on the shared factory. Does not listen (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Settings are checked at boot: a bad value under `events:` stops start-up naming the key.
  eventsSettings(deps.config);
  const app = await createApp('events', deps, { templatesDir });
  await app.register(eventsApp);
  return app;
}
