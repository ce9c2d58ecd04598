import { join } from 'node:path';
import { mediaFolderPlugin } from '@rose-ash/shared/infrastructure/media.ts';

/** Members' avatars, served from the media volume's `federation/` folder at `/media/federation/`. */
export const federationMediaPlugin = mediaFolderPlugin('federation-media', {
  folder: (media) => join(media, 'federation'),
  prefix: '/media/federation/',
});
