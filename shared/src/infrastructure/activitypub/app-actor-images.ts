import type { AppConfig, AppName } from '../../config/index.ts';

/**
 * An app actor's avatar (`icon`) and header (`image`): PNG, because Mastodon keeps only JPEG,
 * PNG, GIF or WebP and gives an SVG avatar's account the default one. Drawn by
 * shared/src/dev/generate-actor-images.ts into shared/static/img/actors/.
 */
export function appActorImages(config: AppConfig, app: AppName) {
  const base = `${config.apps[app].publicUrl}/static/img/actors`;
  return {
    icon: { type: 'Image', mediaType: 'image/png', url: `${base}/${app}.png` },
    image: { type: 'Image', mediaType: 'image/png', url: `${base}/${app}-header.png` },
  };
}
