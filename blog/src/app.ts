import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { blogJobs } from './jobs/index.ts';
import adminRoutes from './routes/admin/index.ts';
import articleRoutes from './routes/articles/index.ts';
import editorRoutes from './routes/editor/index.ts';
import navFragment from './routes/fragments/nav.ts';
import ghostWebhookRoutes from './routes/ghost/index.ts';
import homeRoutes from './routes/home/index.ts';
import postRoutes from './routes/posts/index.ts';
import readerRoutes from './routes/reader/index.ts';
import siteAdminRoutes from './routes/site-admin/index.ts';
import { footerPlugin } from './services/footer-plugin.ts';
import { ghostPlugin } from './services/ghost-plugin.ts';
import { mediaPlugin } from './services/media-plugin.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the blog app serves, as one named plugin. */
export const blogApp = fp(
  async (app) => {
    await app.register(ghostPlugin);
    await app.register(mediaPlugin);
    await app.register(footerPlugin);
    await app.register(blogJobs);
    await app.register(ghostWebhookRoutes);
    await app.register(editorRoutes);
    await app.register(siteAdminRoutes);
    await app.register(articleRoutes);
    await app.register(homeRoutes);
    await app.register(adminRoutes);
    await app.register(navFragment);
    await app.register(readerRoutes);
    await app.register(postRoutes);
  },
  { name: 'blog-app', fastify: '5.x' },
);

/** Builds the blog app on the shared factory. Does not listen (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = await createApp('blog', deps, { templatesDir });
  await app.register(blogApp);
  return app;
}
