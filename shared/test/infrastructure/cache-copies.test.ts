import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { RedisCache } from '../../src/infrastructure/cache.ts';

/**
 * Local copies of hot keys (cache-copies.ts) against a real Redis: another client's change,
 * an expiry, a disconnect or the process's own write must never leave a stale copy served.
 */
const services = inject('roseAshTest');
const prefix = `ra_copies_test:${Math.random().toString(36).slice(2)}:`;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function makeCache(maxAgeMs = 60_000): RedisCache {
  const cache = new RedisCache(services.redisUrl!, prefix, {
    commandTimeoutMs: 5_000,
    localCopies: { prefixes: ['hot:'], maxAgeMs },
  });
  cleanups.push(() => cache.close());
  return cache;
}

async function until(check: () => Promise<boolean>, what: string, ms = 2_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const activeIn = (cache: RedisCache) => until(async () => cache.localCopies?.active === true, 'tracking');

describe.skipIf(!services.redisUrl)('local copies of hot keys', () => {
  let cache: RedisCache;
  /** Another process's view: a plain client, not this process's caches. */
  let other: Redis;
  beforeAll(async () => {
    cache = makeCache();
    other = new Redis(services.redisUrl!, { keyPrefix: prefix });
    cleanups.push(() => other.quit());
    await activeIn(cache);
  });

  it('reads a hot key from Redis once, then from the copy; other keys always from Redis', async () => {
    await other.set('hot:a', 'one');
    await other.set('cold:a', 'one');
    const mget = vi.spyOn(cache.client, 'mget');
    const get = vi.spyOn(cache.client, 'get');
    try {
      expect(await cache.getMany(['hot:a', 'hot:absent'])).toEqual(['one', null]);
      expect(await cache.getMany(['hot:a', 'hot:absent'])).toEqual(['one', null]);
      expect(await cache.get('hot:a')).toBe('one');
      expect(mget).toHaveBeenCalledTimes(1);
      // A mix: only the cold key goes to Redis.
      expect(await cache.getMany(['hot:a', 'cold:a'])).toEqual(['one', 'one']);
      expect(mget).toHaveBeenCalledTimes(2);
      expect(mget.mock.calls[1]).toEqual(['cold:a']);
      expect(await cache.get('cold:a')).toBe('one');
      expect(await cache.get('cold:a')).toBe('one');
      expect(get).toHaveBeenCalledTimes(2);
    } finally {
      mget.mockRestore();
      get.mockRestore();
    }
  });

  it('drops a copy when another client changes, deletes or creates the key', async () => {
    await other.set('hot:b', 'v1');
    expect(await cache.get('hot:b')).toBe('v1');
    await other.set('hot:b', 'v2');
    await until(async () => (await cache.get('hot:b')) === 'v2', 'the change');
    await other.del('hot:b');
    await until(async () => (await cache.get('hot:b')) === null, 'the deletion');
    // "Absent" was copied too: creating the key drops that copy.
    await other.set('hot:b', 'v3');
    await until(async () => (await cache.get('hot:b')) === 'v3', 'the creation');
  });

  it('drops a copy when the key expires in Redis', async () => {
    await other.set('hot:short', 'brief', 'PX', 150);
    expect(await cache.get('hot:short')).toBe('brief');
    await until(async () => (await cache.get('hot:short')) === null, 'the expiry');
  });

  it("sees this process's own writes at once, through any of its caches", async () => {
    const sibling = makeCache();
    await activeIn(sibling);
    await cache.set('hot:c', 'mine');
    expect(await cache.get('hot:c')).toBe('mine');
    expect(await sibling.get('hot:c')).toBe('mine');
    await sibling.set('hot:c', 'changed');
    expect(await cache.get('hot:c')).toBe('changed');
    await sibling.del('hot:c');
    expect(await cache.get('hot:c')).toBeNull();
    expect(await cache.incr('hot:n')).toBe(1);
    expect(await sibling.get('hot:n')).toBe('1');
    expect(await cache.incr('hot:n')).toBe(2);
    expect(await sibling.get('hot:n')).toBe('2');
  });

  it('does not keep a read that raced an invalidation', async () => {
    const copies = cache.localCopies!;
    await other.set('hot:d', 'new');
    const before = copies.token();
    // Redis reports a change while "a read" is in flight; its (old) answer must not be kept.
    await other.set('hot:d', 'newer');
    await until(async () => copies.token() !== before, 'the invalidation');
    copies.keep(before, ['hot:d'], ['old'], Date.now());
    expect(copies.lookup('hot:d', Date.now())).toBeUndefined();
    expect(await cache.get('hot:d')).toBe('newer');
  });

  it('drops every copy when either connection drops, and copies again once both are back', async () => {
    const admin = new Redis(services.redisUrl!);
    cleanups.push(() => admin.quit());
    for (const which of ['subscriber', 'main'] as const) {
      await activeIn(cache);
      await other.set('hot:e', `before ${which}`);
      expect(await cache.get('hot:e')).toBe(`before ${which}`);
      // Kill the connection, then change the key while nobody listens for its invalidation.
      const info = (await cache.client.client('TRACKINGINFO')) as unknown as unknown[];
      const target = which === 'main' ? await cache.client.client('ID') : info[info.indexOf('redirect') + 1];
      expect(Number(target)).toBeGreaterThan(0);
      const noticed = cache.localCopies!.token();
      await admin.client('KILL', 'ID', String(target));
      await other.set('hot:e', `after ${which}`);
      // Once the drop is noticed (the connection's close arrives; on a loaded machine that can
      // take a few more round trips), never the stale copy: not while disconnected, nor after.
      await until(async () => cache.localCopies!.token() !== noticed, 'the drop noticed');
      expect(await cache.get('hot:e').catch(() => 'unavailable')).not.toBe(`before ${which}`);
      await activeIn(cache);
      await until(
        async () => (await cache.get('hot:e').catch(() => null)) === `after ${which}`,
        'a fresh read',
      );
    }
    await activeIn(cache);
    await cache.get('hot:e');
    const mget = vi.spyOn(cache.client, 'mget');
    try {
      expect(await cache.get('hot:e')).toBe('after main');
      expect(mget).not.toHaveBeenCalled();
    } finally {
      mget.mockRestore();
    }
  });

  it('trusts a copy for at most maxAgeMs', async () => {
    const brief = makeCache(50);
    await activeIn(brief);
    await other.set('hot:f', 'x');
    expect(await brief.get('hot:f')).toBe('x');
    const mget = vi.spyOn(brief.client, 'mget');
    try {
      await brief.get('hot:f');
      expect(mget).toHaveBeenCalledTimes(0);
      await new Promise((r) => setTimeout(r, 80));
      await brief.get('hot:f');
      expect(mget).toHaveBeenCalledTimes(1);
    } finally {
      mget.mockRestore();
    }
  });

  it('keeps no copies past its size bound, oldest dropped first', async () => {
    const small = new RedisCache(services.redisUrl!, prefix, {
      localCopies: { prefixes: ['hot:'], maxChars: 100, maxValueChars: 50 },
    });
    cleanups.push(() => small.close());
    await activeIn(small);
    await other.mset(
      'hot:g1',
      'a'.repeat(40),
      'hot:g2',
      'b'.repeat(40),
      'hot:g3',
      'c'.repeat(40),
      'hot:big',
      'd'.repeat(60),
    );
    await small.getMany(['hot:g1', 'hot:g2', 'hot:g3', 'hot:big']);
    const copies = small.localCopies!;
    const now = Date.now();
    expect(copies.lookup('hot:big', now)).toBeUndefined();
    expect(copies.lookup('hot:g3', now)).toBe('c'.repeat(40));
    expect(copies.lookup('hot:g1', now)).toBeUndefined();
  });
});
