import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { HOT_KEY_PREFIXES, MemoryCache, RedisCache } from '../infrastructure/cache.ts';
import './services.ts';

/** A cache private to one test file: a unique key prefix on the shared Redis, or in-process. */
export function createTestCache(): (RedisCache | MemoryCache) & { dispose(): Promise<void> } {
  const services = inject('roseAshTest');
  const prefix = `ra_test:${randomBytes(6).toString('hex')}:`;
  // A generous command timeout: a loaded CI machine must not trip the circuit breaker mid-test.
  // Local copies of the hot keys as the apps keep them (server.ts), so tests run that path too.
  const cache = services.redisUrl
    ? new RedisCache(services.redisUrl, prefix, {
        commandTimeoutMs: 5_000,
        localCopies: { prefixes: HOT_KEY_PREFIXES },
      })
    : new MemoryCache(prefix);
  return Object.assign(cache, {
    async dispose() {
      await cache.clear();
      await cache.close();
    },
  });
}

export function hasRedisServer(): boolean {
  return inject('roseAshTest').cache === 'redis';
}
