import { mkdirSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Uploaded media (feature images) served from the media volume. */
export const mediaPlugin = fp(
  async (app: FastifyInstance) => {
    mkdirSync(app.config.paths.media, { recursive: true });
    await app.register(fastifyStatic, {
      root: app.config.paths.media,
      prefix: '/media/',
      decorateReply: false,
      maxAge: app.config.isProduction ? '30d' : 0,
      immutable: app.config.isProduction,
      // Uploaded files are images named by us; never list folders or serve dotfiles.
      index: false,
      dotfiles: 'deny',
    });
  },
  { name: 'blog-media', fastify: '5.x' },
);
