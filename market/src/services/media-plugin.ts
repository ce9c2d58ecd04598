import { join } from 'node:path';
import { mediaFolderPlugin } from '@rose-ash/shared/infrastructure/media.ts';

/** Where scraped product images are kept: `<media volume>/market/products/`. */
export function productImagesDir(mediaRoot: string): string {
  return join(mediaRoot, 'market', 'products');
}

/** The public path of a stored product image. */
export const PRODUCT_IMAGES_PATH = '/media/market/products/';

/** Product images downloaded by the scrapers, served from the media volume (never hot-linked). */
export const marketMediaPlugin = mediaFolderPlugin('market-media', {
  folder: productImagesDir,
  prefix: PRODUCT_IMAGES_PATH,
});
