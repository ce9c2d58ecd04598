import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import homeRoutes from './routes/home/index.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the blog app serves, as one named plugin. */
export const blogApp = fp(
  async (app) => {
    await app.register(homeRoutes);
  },
  { name: 'blog-app', fastify: '5.x' },
);

/** Builds the blog app on the shared factory. Does not listen (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = await createApp('blog', deps, { templatesDir });
  await app.register(blogApp);
  return app;
}
