import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Members' avatars, served from the media volume's `federation/` folder at `/media/federation/`. */
export const federationMediaPlugin = fp(
  async (app: FastifyInstance) => {
    const root = join(app.config.paths.media, 'federation');
    mkdirSync(root, { recursive: true });
    await app.register(fastifyStatic, {
      root,
      prefix: '/media/federation/',
      decorateReply: false,
      maxAge: app.config.isProduction ? '30d' : 0,
      immutable: app.config.isProduction,
      // Files are images named by us; never list folders or serve dotfiles.
      index: false,
      dotfiles: 'deny',
    });
  },
  { name: 'federation-media', fastify: '5.x' },
);
