import { afterAll, describe, expect, inject, it } from 'vitest';
import { type Cache, MemoryCache, RedisCache } from '../../src/infrastructure/cache.ts';

const services = inject('roseAshTest');
const caches: Cache[] = [];
afterAll(async () => {
  for (const c of caches) {
    if ('clear' in c) await (c as RedisCache).clear();
    await c.close();
  }
});

const kinds: [string, () => Cache][] = [['memory', () => new MemoryCache('t:')]];
if (services.redisUrl) {
  kinds.push([
    'redis',
    () => new RedisCache(services.redisUrl!, `ra_cache_test:${Math.random().toString(36).slice(2)}:`),
  ]);
}

describe.each(kinds)('%s cache', (_kind, make) => {
  const cache = make();
  caches.push(cache);

  it('gets, sets with TTL and deletes', async () => {
    await cache.set('a', '1', 60);
    expect(await cache.get('a')).toBe('1');
    expect(await cache.ttl('a')).toBeGreaterThan(50);
    expect(await cache.getMany(['a', 'missing'])).toEqual(['1', null]);
    expect(await cache.del('a', 'missing')).toBe(1);
    expect(await cache.get('a')).toBeNull();
  });

  it('expires keys', async () => {
    await cache.set('short', 'x', 1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await cache.get('short')).toBeNull();
  });

  it('increments atomically and sets the TTL once', async () => {
    const counts = await Promise.all(Array.from({ length: 10 }, () => cache.incr('n', 30)));
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await cache.ttl('n')).toBeGreaterThan(0);
  });

  it('sets only when absent', async () => {
    expect(await cache.setIfAbsent('lock', 'me', 5)).toBe(true);
    expect(await cache.setIfAbsent('lock', 'you', 5)).toBe(false);
    expect(await cache.get('lock')).toBe('me');
  });

  it('keeps sets for tag indexes', async () => {
    await cache.sadd('tag', ['k1', 'k2'], 60);
    await cache.sadd('tag', ['k2', 'k3']);
    await cache.srem('tag', ['k1']);
    expect((await cache.smembers('tag')).sort()).toEqual(['k2', 'k3']);
    expect(await cache.smembers('none')).toEqual([]);
  });

  it('isolates prefixes', async () => {
    const other = make();
    caches.push(other);
    await cache.set('shared-name', 'mine');
    expect(await other.get('shared-name')).toBeNull();
    expect(await cache.ping()).toBe(true);
  });
});
