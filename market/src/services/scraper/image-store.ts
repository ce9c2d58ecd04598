/**
 * Product images are downloaded once into the media volume and served from there, never
 * hot-linked. A file is named by the digest of its source URL, so a later run finds it and
 * downloads nothing; the type comes from the file's magic bytes (JPEG, PNG, GIF, WebP — never
 * SVG or anything a browser might run), and the size is capped.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRODUCT_IMAGES_PATH } from '../media-plugin.ts';
import { FetchError, type PoliteClient } from './polite-client.ts';

const EXTENSIONS = ['jpg', 'png', 'gif', 'webp'] as const;
type ImageExt = (typeof EXTENSIONS)[number];

/** The image type from its first bytes, or null when it is not an image we keep. */
export function sniffImage(bytes: Buffer): ImageExt | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  const head = bytes.subarray(0, 6).toString('latin1');
  if (head === 'GIF87a' || head === 'GIF89a') return 'gif';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'webp';
  return null;
}

export interface ImageStore {
  /** The local URL of the image at `source`, downloading it the first time. Throws FetchError. */
  localUrl(source: string): Promise<string>;
}

export function createImageStore(deps: { dir: string; client: PoliteClient; maxBytes: number }): ImageStore {
  const inFlight = new Map<string, Promise<string>>();

  async function download(source: string, stem: string): Promise<string> {
    for (const ext of EXTENSIONS) {
      if (existsSync(join(deps.dir, `${stem}.${ext}`))) return `${PRODUCT_IMAGES_PATH}${stem}.${ext}`;
    }
    const res = await deps.client.get(
      source,
      deps.maxBytes,
      'image/avif,image/webp,image/png,image/jpeg,image/gif',
    );
    const ext = sniffImage(res.body);
    if (!ext) throw new FetchError(source, 'not a JPEG, PNG, GIF or WebP image (by its content)');
    await mkdir(deps.dir, { recursive: true });
    // Written under a temporary name and renamed: a reader never sees half a file.
    const tmp = join(deps.dir, `.${stem}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, res.body);
    await rename(tmp, join(deps.dir, `${stem}.${ext}`));
    return `${PRODUCT_IMAGES_PATH}${stem}.${ext}`;
  }

  return {
    localUrl(source) {
      const stem = createHash('sha256').update(source).digest('hex').slice(0, 32);
      let pending = inFlight.get(stem);
      if (!pending) {
        pending = download(source, stem).finally(() => inFlight.delete(stem));
        inFlight.set(stem, pending);
      }
      return pending;
    },
  };
}
