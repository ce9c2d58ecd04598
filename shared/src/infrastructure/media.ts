import { mkdirSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * A folder of the media volume served read-only at `prefix`: files we stored ourselves
 * (uploads, avatars, product images), named by us and never rewritten in place, so they are
 * cached for long in production; folders are never listed and dotfiles never served.
 */
export function mediaFolderPlugin(
  name: string,
  options: { folder: (mediaRoot: string) => string; prefix: string },
) {
  return fp(
    async (app: FastifyInstance) => {
      const root = options.folder(app.config.paths.media);
      mkdirSync(root, { recursive: true });
      await app.register(fastifyStatic, {
        root,
        prefix: options.prefix,
        decorateReply: false,
        maxAge: app.config.isProduction ? '30d' : 0,
        immutable: app.config.isProduction,
        index: false,
        dotfiles: 'deny',
      });
    },
    { name, fastify: '5.x' },
  );
}
