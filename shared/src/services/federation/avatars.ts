import type { AppConfig } from '../../config/index.ts';

/** Where members' avatars live under the media folder (federation serves `/media/federation/`). */
export const AVATAR_FOLDER = 'federation/avatars';

const MEDIA_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

/** The public URL of a stored avatar (a path under the media folder), or null without one. */
export function avatarUrl(config: AppConfig, avatarPath: string | null): string | null {
  return avatarPath ? `${config.apps.federation.publicUrl}/media/${avatarPath}` : null;
}

/** The avatar's type, from the extension it was stored with (chosen from the file's bytes). */
export function avatarMediaType(avatarPath: string): string {
  return MEDIA_TYPES[avatarPath.split('.').pop() ?? ''] ?? 'application/octet-stream';
}
