import type { KeyCache } from '@fedify/fedify/sig';
import type { Cache } from '../cache.ts';

/** Fedify's vocabulary is large: loaded when the first key is read or stored, not at start. */
const vocab = () => import('@fedify/vocab');

const KEY_TTL_SECONDS = 24 * 3600;
/** A key that could not be fetched is retried soon: the remote may just have been down. */
const MISSING_TTL_SECONDS = 300;

/**
 * Fedify's KeyCache on our cache (Redis in production), so an inbox does not refetch the
 * sender's key for every POST. A signature that fails with a cached key makes Fedify refetch
 * the key once (rotated keys keep working).
 */
export function createKeyCache(cache: Cache): KeyCache {
  const key = (keyId: URL) => `ap:key:${keyId.href}`;
  return {
    async get(keyId) {
      const raw = await cache.get(key(keyId));
      if (raw === null) return undefined;
      if (raw === 'null') return null;
      try {
        const { CryptographicKey } = await vocab();
        return await CryptographicKey.fromJsonLd(JSON.parse(raw));
      } catch {
        return undefined;
      }
    },
    async set(keyId, value) {
      if (value === null) {
        await cache.set(key(keyId), 'null', MISSING_TTL_SECONDS);
        return;
      }
      const { CryptographicKey } = await vocab();
      if (!(value instanceof CryptographicKey)) return;
      await cache.set(
        key(keyId),
        JSON.stringify(await value.toJsonLd({ format: 'compact' })),
        KEY_TTL_SECONDS,
      );
    },
  };
}
