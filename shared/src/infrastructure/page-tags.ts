/**
 * The page cache's tag index: each cached page is listed under its tags in Redis, so a change
 * drops exactly the pages that show it. Here, apart from the page-cache plugin, so the fragment
 * layer can purge the pages built with a fragment without importing the plugin.
 */
import { type Cache, CacheUnavailableError } from './cache.ts';

export const tagKey = (tag: string) => `pagetag:${tag}`;

/**
 * Drops every cached page carrying any of `tags`. Call it after the content changed (in the
 * same service call that changed it), e.g. `['blog:post:<slug>', 'blog:posts']`.
 */
export async function purgePageCache(cache: Cache, tags: readonly string[]): Promise<number> {
  let purged = 0;
  try {
    for (const tag of new Set(tags)) {
      const keys = await cache.smembers(tagKey(tag));
      if (keys.length > 0) purged += await cache.del(...keys);
      await cache.del(tagKey(tag));
    }
  } catch (err) {
    // The change is committed; with Redis away the copies expire by their short TTL instead.
    if (!(err instanceof CacheUnavailableError)) throw err;
  }
  return purged;
}
