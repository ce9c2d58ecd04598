import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Where scraped product images are kept: `<media volume>/market/products/`. */
export function productImagesDir(mediaRoot: string): string {
  return join(mediaRoot, 'market', 'products');
}

/** The public path of a stored product image. */
export const PRODUCT_IMAGES_PATH = '/media/market/products/';

/** Product images downloaded by the scrapers, served from the media volume (never hot-linked). */
export const marketMediaPlugin = fp(
  async (app: FastifyInstance) => {
    const root = productImagesDir(app.config.paths.media);
    mkdirSync(root, { recursive: true });
    await app.register(fastifyStatic, {
      root,
      prefix: PRODUCT_IMAGES_PATH,
      decorateReply: false,
      maxAge: app.config.isProduction ? '30d' : 0,
      // Files are named by the digest of their source URL and never rewritten in place.
      immutable: app.config.isProduction,
      index: false,
      dotfiles: 'deny',
    });
  },
  { name: 'market-media', fastify: '5.x' },
);
