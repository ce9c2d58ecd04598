import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { federationJobs } from './jobs/index.ts';
import accountRoutes from './routes/accounts/index.ts';
import authRoutes from './routes/auth/index.ts';
import commentsFragment from './routes/fragments/comments.ts';
import homeRoutes from './routes/home/index.ts';
import memberRoutes from './routes/members/index.ts';
import moderationRoutes from './routes/moderation/index.ts';
import noteRoutes from './routes/notes/index.ts';
import profileRoutes from './routes/profile/index.ts';
import socialRoutes from './routes/social/index.ts';
import { federationMediaPlugin } from './services/media-plugin.ts';
import { federationSettings } from './services/settings.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the federation app serves, as one named plugin. */
export const federationApp = fp(
  async (app) => {
    await app.register(federationMediaPlugin);
    await app.register(homeRoutes);
    await app.register(authRoutes);
    // The social hub: profiles, timelines, notes, accounts and follows, moderation.
    await app.register(profileRoutes);
    await app.register(memberRoutes);
    await app.register(socialRoutes);
    await app.register(noteRoutes);
    await app.register(accountRoutes);
    await app.register(moderationRoutes);
    await app.register(commentsFragment);
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
