/**
 * `sync:ghost` as an operator runs it: a full pull into the database DATABASE_URL names, with
 * the same counts as the admin button, its run recorded, and the cached pages and `nav`
 * fragment in Redis dropped when the menus changed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ghostSyncRuns, posts } from '@rose-ash/shared/db/schema/index.ts';
import { createCache } from '@rose-ash/shared/infrastructure/cache.ts';
import { fragmentCacheKey } from '@rose-ash/shared/infrastructure/fragments.ts';
import { createTestDatabase, requirePostgres, type TestDatabase } from '@rose-ash/shared/testing/database.ts';
import { type GhostStub, startGhostStub } from '@rose-ash/shared/testing/ghost-stub.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '@rose-ash/shared/testing/services.ts';

const repoRoot = join(import.meta.dirname, '../..');
let stub: GhostStub;
let database: TestDatabase;

beforeAll(async () => {
  stub = await startGhostStub({ fixturesDir: join(import.meta.dirname, 'fixtures/ghost') });
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
  await stub?.close();
});

describe('pnpm --filter @rose-ash/blog sync:ghost', () => {
  it('pulls everything, records the run and drops the nav fragment from Redis', async (context) => {
    requirePostgres(context, 'the command is a separate process reading the test database');
    const { redisUrl } = inject('roseAshTest');
    if (!redisUrl) return context.skip('needs a Redis server: the command and this test share its cache');
    const prefix = 'ra:';
    const cache = createCache({ url: redisUrl, prefix });
    const navKey = fragmentCacheKey('nav');
    await cache.set(navKey, '<nav>stale</nav>', 300);
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'blog/src/commands/sync-ghost.ts')],
        {
          cwd: repoRoot,
          env: {
            PATH: process.env.PATH ?? '',
            NODE_ENV: 'test',
            LOG_LEVEL: 'silent',
            DATABASE_URL: database.url!,
            REDIS_URL: redisUrl,
            GHOST_URL: stub.url,
            GHOST_ADMIN_API_KEY: stub.adminApiKey,
          },
        },
      );
      expect(JSON.parse(stdout)).toMatchObject({ posts: { created: 3 }, navigation: { created: 1 } });
      expect(await database.handle.db.$count(posts)).toBe(5);
      expect(await database.handle.db.$count(ghostSyncRuns)).toBe(1);
      expect(await cache.get(navKey)).toBeNull();
    } finally {
      await cache.del(navKey);
      await cache.close();
    }
  });
});
