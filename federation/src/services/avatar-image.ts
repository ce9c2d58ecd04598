/**
 * Members' avatars: the type comes from the file's own bytes (PNG, JPEG or WebP; never the
 * name or the browser's claim), then sharp decodes it (bounded pixels), turns it upright,
 * crops it to a square and re-encodes it in the same format without its metadata (EXIF, GPS).
 * Mastodon shows PNG, JPEG and WebP avatars (ACTIVITYPUB.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { AVATAR_FOLDER } from '@rose-ash/shared/services/federation/avatars.ts';

export const MAX_AVATAR_BYTES = 5 * 1024 * 1024;
/** Side of the stored square, in pixels (Mastodon shows 400×400). */
export const AVATAR_SIZE = 400;
/** Decoding refuses images larger than this (a small file can claim huge dimensions). */
const MAX_INPUT_PIXELS = 40_000_000;

type Kind = 'png' | 'jpg' | 'webp';

/** PNG, JPEG or WebP from the first bytes, else null. */
export function imageKind(data: Buffer): Kind | null {
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpg';
  if (data.subarray(0, 4).toString('ascii') === 'RIFF' && data.subarray(8, 12).toString('ascii') === 'WEBP') {
    return 'webp';
  }
  return null;
}

export type StoreAvatarResult =
  | { ok: true; path: string }
  | { ok: false; reason: 'empty' | 'too_large' | 'not_an_image' | 'unreadable' };

/** Checks, resizes and stores an uploaded avatar; returns its path under the media folder. */
export async function storeAvatar(mediaDir: string, data: Buffer): Promise<StoreAvatarResult> {
  if (data.length === 0) return { ok: false, reason: 'empty' };
  if (data.length > MAX_AVATAR_BYTES) return { ok: false, reason: 'too_large' };
  const kind = imageKind(data);
  if (!kind) return { ok: false, reason: 'not_an_image' };
  let resized: Buffer;
  try {
    // sharp (libvips) is loaded with the first avatar, not by every federation process at start.
    const { default: sharp } = await import('sharp');
    const image = sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' });
    const { format } = await image.metadata();
    if (format !== (kind === 'jpg' ? 'jpeg' : kind)) return { ok: false, reason: 'not_an_image' };
    const square = image.rotate().resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover', position: 'attention' });
    resized = await (kind === 'png'
      ? square.png({ compressionLevel: 9 })
      : kind === 'jpg'
        ? square.jpeg({ quality: 85, mozjpeg: true })
        : square.webp({ quality: 85 })
    ).toBuffer();
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  await mkdir(join(mediaDir, AVATAR_FOLDER), { recursive: true });
  const path = `${AVATAR_FOLDER}/${randomBytes(12).toString('hex')}.${kind}`;
  await writeFile(join(mediaDir, path), resized, { mode: 0o644 });
  return { ok: true, path };
}

/** Deletes a replaced avatar (only ever a file in the avatar folder). */
export async function removeAvatar(mediaDir: string, path: string | null): Promise<void> {
  if (!path || !/^federation\/avatars\/[0-9a-f]{24}\.(png|jpg|webp)$/.test(normalize(path))) return;
  await rm(join(mediaDir, path), { force: true });
}
