import { mediaFolderPlugin } from '@rose-ash/shared/infrastructure/media.ts';

/** Uploaded media (feature images) served from the media volume at `/media/`. */
export const mediaPlugin = mediaFolderPlugin('blog-media', { folder: (media) => media, prefix: '/media/' });
