/**
 * The job runner as the blog uses it: two app instances on one database run the
 * `blog.publish-scheduled` job once per tick between them, and a stored Ghost delivery that
 * cannot be applied yet is retried with back-off, its error shown by `pnpm jobs`.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { apActivities, ghostWebhookEvents, posts } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { createTestDatabase, requirePostgres, type TestDatabase } from '@rose-ash/shared/testing/database.ts';
import { type GhostStub, startGhostStub } from '@rose-ash/shared/testing/ghost-stub.ts';
import { eventually, storedJobs, TestClock } from '@rose-ash/shared/testing/jobs.ts';
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';

const repoRoot = join(import.meta.dirname, '../..');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Half a minute past a whole minute, so each 60 s tick crosses exactly one cron minute. */
function clockAtHalfMinute(): TestClock {
  const start = new Date();
  start.setUTCSeconds(30, 0);
  return new TestClock(start);
}

const fastJobs = { jobs: { cron_check_seconds: 1, polling_seconds: 0.5 } };

async function startBlog(database: TestDatabase, clock: TestClock, env: Record<string, string> = {}) {
  const t = await buildTestApp(buildApp, {
    config: testConfig({ env: { RUN_JOBS: 'true', ...env }, overrides: fastJobs }),
    database,
    deps: { jobClock: clock },
  });
  cleanups.push(() => t.close());
  return t;
}

describe('job runner', () => {
  it('runs a periodic job once per tick across two app instances on one database', async (context) => {
    requirePostgres(context, 'two app instances share one database through separate connection pools');
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const clock = clockAtHalfMinute();
    const [a, b] = [await startBlog(database, clock), await startBlog(database, clock)];
    expect(a.app.jobs.running && b.app.jobs.running).toBe(true);
    const db = database.handle.db;
    const jobs = () => storedJobs(database.handle, 'blog.publish-scheduled');
    const done = async (n: number) => {
      const all = await jobs();
      return all.length === n && all.every((j) => j.state === 'completed') ? all : false;
    };

    // The first cron pass takes the current minute's occurrence.
    await clock.tick(1_000);
    await eventually(() => done(1));

    for (let tick = 1; tick <= 3; tick++) {
      const [post] = await db
        .insert(posts)
        .values({
          slug: `due-${tick}`,
          title: `Due ${tick}`,
          html: '<p>Now</p>',
          status: 'scheduled',
          publishedAt: new Date(Date.now() - 1_000),
        })
        .returning();
      await clock.tick(60_000);
      // One more job for the new minute, not two: the instances share the tick.
      await eventually(() => done(1 + tick));
      const [row] = await db.select().from(posts).where(eq(posts.id, post!.id));
      expect(row?.status).toBe('published');
      // ... and the post went out once.
      const creates = await db.$count(
        apActivities,
        and(eq(apActivities.type, 'Create'), eq(apActivities.direction, 'out')),
      );
      expect(creates).toBe(tick);
    }
    // No further job appears without a tick.
    await new Promise((r) => setTimeout(r, 300));
    expect(await jobs()).toHaveLength(4);
  });

  it('queues a one-per-key job once per key until it has run', async (context) => {
    requirePostgres(context, "pg-boss's exclusive policy is a unique index on the job table");
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    // The blog does not work market jobs: they stay queued, as when the market is busy.
    const t = await startBlog(database, clockAtHalfMinute());
    const send = (supplier: string) => t.app.jobs.send('market.scrape', { supplier, trigger: 'admin' });
    const first = await send('orchard-lane');
    expect(first).toEqual(expect.any(String));
    expect(await send('orchard-lane')).toBeNull();
    expect(await send('hill-farm')).toEqual(expect.any(String));
    // A job without a key is not limited.
    const ticket = { bookingId: 1 };
    expect(await t.app.jobs.send('events.booking-confirmation', ticket)).toEqual(expect.any(String));
    expect(await t.app.jobs.send('events.booking-confirmation', ticket)).toEqual(expect.any(String));
  });

  it('retries a failing job with back-off and shows its error in pnpm jobs', async (context) => {
    requirePostgres(context, '`pnpm jobs` is a separate process reading the test database');
    const stub: GhostStub = await startGhostStub({
      fixturesDir: join(import.meta.dirname, 'fixtures/ghost'),
    });
    cleanups.push(() => stub.close());
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const clock = clockAtHalfMinute();
    const secret = 'jobs-test-webhook-secret';
    const t = await startBlog(database, clock, {
      GHOST_URL: stub.url,
      GHOST_ADMIN_API_KEY: stub.adminApiKey,
      GHOST_WEBHOOK_SECRET: secret,
    });

    // Correctly signed and well-formed, but its slug is still another post's here (Ghost renamed
    // both and the other delivery has not arrived): it fails until that changes.
    await database.handle.db
      .insert(posts)
      .values({ ghostId: 'fedcba9876543210fedcba98', slug: 'renamed', title: 'Other', status: 'draft' });
    const raw = JSON.stringify({
      post: {
        current: {
          id: '0123456789abcdef01234567',
          title: 'Renamed',
          slug: 'renamed',
          status: 'draft',
          updated_at: new Date().toISOString(),
        },
      },
    });
    const ts = Date.now();
    const signature = `sha256=${createHmac('sha256', secret)
      .update(raw + ts)
      .digest('hex')}, t=${ts}`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/ghost/webhook',
      headers: { 'content-type': 'application/json', 'x-ghost-signature': signature },
      payload: raw,
    });
    expect(res.statusCode).toBe(200);
    const deliveryId = res.json().id as number;

    const webhookJob = async (retries: number) => {
      const [job] = await storedJobs(database.handle, 'blog.ghost-webhook');
      return job && job.state === 'retry' && job.retryCount >= retries ? job : false;
    };
    await clock.tick(1_000);
    await eventually(() => webhookJob(0));
    // Back-off: the retry waits (5 s, doubled with jitter) and then runs and fails again.
    await clock.tick(20_000);
    const job = await eventually(async () => {
      await clock.tick(1_000);
      return webhookJob(1);
    });
    expect(job.retryCount).toBeGreaterThanOrEqual(1);
    const [delivery] = await database.handle.db
      .select()
      .from(ghostWebhookEvents)
      .where(eq(ghostWebhookEvents.id, deliveryId));
    expect(delivery?.processedAt).toBeNull();
    expect(delivery?.attempts).toBeGreaterThanOrEqual(2);
    expect(delivery?.error).toMatch(/posts_type_slug_key|duplicate|unique/i);
    expect(delivery?.failedAt).toBeNull();

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'shared/src/infrastructure/jobs-cli.ts')],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATABASE_URL: database.url! },
      },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('blog.ghost-webhook'));
    expect(line).toContain('on demand');
    expect(line).toMatch(/not applied|duplicate|unique|posts_type_slug_key/i);
    for (const name of ['blog.publish-scheduled', 'blog.ghost-safety-net', 'federation.purge-sign-in']) {
      expect(stdout).toContain(name);
    }
    expect(stdout).toMatch(/blog\.publish-scheduled\s+blog\s+\* \* \* \* \*/);
  });
});
