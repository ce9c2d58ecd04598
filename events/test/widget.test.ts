import { INTERNAL_HEADERS } from '@rose-ash/shared/contracts/widgets.ts';
import { users } from '@rose-ash/shared/db/schema/index.ts';
import { seedDemoContent } from '@rose-ash/shared/dev/seed.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { createTestCache } from '@rose-ash/shared/testing/cache.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { createTestDatabase, type TestDatabase } from '@rose-ash/shared/testing/database.ts';
import { freePort, listen } from '@rose-ash/shared/testing/http.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_BUILDERS } from '../../dev/src/app-builders.ts';
import { buildApp } from '../src/app.ts';

let database: TestDatabase;
let cache: ReturnType<typeof createTestCache>;
let events: TestApp;
let blog: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  cache = createTestCache();
  const eventsPort = await freePort();
  const config = testConfig({
    env: {
      EVENTS_PUBLIC_URL: `http://127.0.0.1:${eventsPort}`,
      EVENTS_INTERNAL_URL: `http://127.0.0.1:${eventsPort}`,
    },
    // A cold first render of the fragment may take longer than production's budget here.
    overrides: { fragments: { timeout_ms: 5_000 } },
  });
  await seedDemoContent(database.handle.db, config);
  events = await buildTestApp(buildApp, { config, database, cache });
  await listen(events.app, eventsPort);
  blog = await buildTestApp((await APP_BUILDERS.blog()).buildApp, { config, database, cache });
});
afterAll(async () => {
  await blog?.close();
  await events?.close();
  await cache?.dispose();
  await database?.drop();
});

/** An anonymous reader's view of the demo post (page cache on). */
const readPost = () =>
  blog.app.inject({
    url: '/spring-market-opens/',
    headers: { accept: 'text/html', cookie: 'blog_sso_checked=1' },
  });

describe('the container widget', () => {
  it("shows the demo post's next entries, and a booking changes its places left on the next view after the purge", async () => {
    const first = await readPost();
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('Upcoming events');
    expect(first.body).toContain('Seed swap');
    expect(first.body).toContain('12 places left');
    expect(first.body).toContain('Pickling workshop');
    expect(first.body).toContain('16 tickets left');
    // Served from the page cache now: the widget is part of the cached page.
    expect((await readPost()).headers['x-cache']).toBe('hit');

    const entry = await events.app.services.calendar.getEntry('spring-gatherings', 'seed-swap');
    const [member] = await database.handle.db
      .insert(users)
      .values({ email: 'widget@example.test' })
      .returning({ id: users.id });
    const booked = await events.app.services.calendar.bookSeats({
      entryId: entry?.id as number,
      userId: member?.id as number,
      seats: 2,
    });
    expect(booked.ok).toBe(true);

    const after = await readPost();
    expect(after.headers['x-cache']).not.toBe('hit');
    expect(after.body).toContain('10 places left');
  });

  it('answers for pages and markets too, and an unknown type is a 400', async () => {
    const token = { [INTERNAL_HEADERS.token]: events.config.secrets.internalToken };
    const market = await events.app.inject({
      url: '/internal/fragments/container-widget?type=market&id=1',
      headers: token,
    });
    expect(market.statusCode).toBe(200);
    expect(market.body).toContain('Sourdough workshop');
    const page = await events.app.inject({
      url: '/internal/fragments/container-widget?type=page&id=1',
      headers: token,
    });
    expect(page.statusCode).toBe(200);
    expect(page.body.trim()).toBe('');
    expect(
      (
        await events.app.inject({
          url: '/internal/fragments/container-widget?type=blog&id=1',
          headers: token,
        })
      ).statusCode,
    ).toBe(400);
  });
});
