import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Largest feature image accepted (bytes). */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

const SIGNATURES: { ext: string; test: (b: Buffer) => boolean }[] = [
  { ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    ext: 'png',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { ext: 'gif', test: (b) => b.subarray(0, 4).toString('ascii') === 'GIF8' },
  {
    ext: 'webp',
    test: (b) =>
      b.subarray(0, 4).toString('ascii') === 'RIFF' && b.subarray(8, 12).toString('ascii') === 'WEBP',
  },
];

export type StoreImageResult =
  | { ok: true; path: string }
  | { ok: false; reason: 'too_large' | 'not_an_image' | 'empty' };

/**
 * Stores an uploaded image on the media volume under `blog/<yyyy>/<mm>/<random>.<ext>`. The
 * type comes from the file's own bytes, never from its name or the browser's claim, so an
 * HTML or SVG file cannot be served back as an image.
 */
export async function storeImage(
  mediaDir: string,
  data: Buffer,
  now = new Date(),
): Promise<StoreImageResult> {
  if (data.length === 0) return { ok: false, reason: 'empty' };
  if (data.length > MAX_IMAGE_BYTES) return { ok: false, reason: 'too_large' };
  const kind = SIGNATURES.find((s) => s.test(data));
  if (!kind) return { ok: false, reason: 'not_an_image' };
  const folder = join('blog', String(now.getUTCFullYear()), String(now.getUTCMonth() + 1).padStart(2, '0'));
  await mkdir(join(mediaDir, folder), { recursive: true });
  const name = `${randomBytes(12).toString('hex')}.${kind.ext}`;
  await writeFile(join(mediaDir, folder, name), data, { mode: 0o644 });
  return { ok: true, path: `${folder}/${name}` };
}
