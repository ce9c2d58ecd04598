import { join } from 'node:path';
import { navigationItems, posts } from '@rose-ash/shared/db/schema/index.ts';
import { fragmentCacheKey } from '@rose-ash/shared/infrastructure/fragments.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { type GhostStub, startGhostStub } from '@rose-ash/shared/testing/ghost-stub.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';

const ADMIN = 'site-admin@example.org';
let stub: GhostStub;
let t: TestApp;
let admin: Record<string, string>;

async function form(url: string) {
  const page = await t.app.inject({ url, cookies: admin, headers: { accept: 'text/html' } });
  expect(page.statusCode, url).toBe(200);
  const csrf = page.cookies.find((c) => c.name === 'blog_csrf')!;
  return { page, cookies: { ...admin, blog_csrf: csrf.value }, csrf: formField(page.body, '_csrf')! };
}

beforeAll(async () => {
  stub = await startGhostStub({ fixturesDir: join(import.meta.dirname, 'fixtures/ghost') });
  t = await buildTestApp(buildApp, {
    config: testConfig({
      env: { ADMIN_EMAILS: ADMIN, GHOST_URL: stub.url, GHOST_ADMIN_API_KEY: stub.adminApiKey },
    }),
  });
  ({ cookies: admin } = await signInAs(t.app, ADMIN));
});
afterAll(async () => {
  await t?.close();
  await stub?.close();
});

describe('Ghost sync admin page', () => {
  it('runs a sync from the button and lists the run with its counts', async () => {
    const { cookies, csrf } = await form('/admin/sync');
    const run = await t.app.inject({
      method: 'POST',
      url: '/admin/sync',
      cookies,
      payload: { _csrf: csrf, kind: 'full' },
    });
    expect(run.statusCode).toBe(303);
    const page = await t.app.inject({
      url: '/admin/sync?done=full',
      cookies: admin,
      headers: { accept: 'text/html' },
    });
    expect(page.body).toContain('The full sync finished');
    expect(page.body).toMatch(/<strong>posts<\/strong>: created 3/);
  });

  it('records a failed run and says so', async () => {
    stub.failNext({ pathIncludes: '/tags/' }, 500, 'InternalServerError');
    const { cookies, csrf } = await form('/admin/sync');
    const run = await t.app.inject({
      method: 'POST',
      url: '/admin/sync',
      cookies,
      payload: { _csrf: csrf, kind: 'incremental' },
    });
    expect(run.headers.location).toBe('/admin/sync?failed=1');
    const page = await t.app.inject({
      url: '/admin/sync?failed=1',
      cookies: admin,
      headers: { accept: 'text/html' },
    });
    expect(page.body).toContain('The sync failed');
    expect(page.body).toContain('InternalServerError');
  });
});

describe('navigation admin', () => {
  it('saves both menus, validates links, and drops the cached nav fragment', async () => {
    await t.cache.set(fragmentCacheKey('nav'), '<nav>old</nav>', 300);
    const { cookies, csrf } = await form('/admin/navigation');
    const bad = await t.app.inject({
      method: 'POST',
      url: '/admin/navigation',
      cookies,
      payload: { _csrf: csrf, primary_label_0: 'Evil', primary_url_0: 'javascript:alert(1)' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Links must start with');

    const ok = await t.app.inject({
      method: 'POST',
      url: '/admin/navigation',
      cookies,
      payload: {
        _csrf: csrf,
        primary_label_0: 'Home',
        primary_url_0: '/',
        primary_label_1: 'Market',
        primary_url_1: 'https://market.example/',
        secondary_label_0: 'RSS',
        secondary_url_0: '/rss/',
      },
    });
    expect(ok.statusCode).toBe(303);
    const rows = await t.database.handle.db
      .select()
      .from(navigationItems)
      .orderBy(navigationItems.menu, navigationItems.sortOrder);
    expect(rows.map((r) => `${r.menu}:${r.label}`)).toEqual([
      'primary:Home',
      'primary:Market',
      'secondary:RSS',
    ]);
    expect(await t.cache.get(fragmentCacheKey('nav'))).toBeNull();
  });
});

describe('Article objects', () => {
  it('serves a published post as an Article and answers 410 with a Tombstone once deleted', async () => {
    await t.app.ghostSync!.runFull();
    const [post] = await t.database.handle.db.select().from(posts).where(eq(posts.slug, 'coming-soon'));
    const url = `/ap/articles/${post!.uuid}`;
    const as = await t.app.inject({ url, headers: { accept: 'application/activity+json' } });
    expect(as.statusCode).toBe(200);
    expect(as.json()).toMatchObject({
      type: 'Article',
      id: `${t.config.apps.blog.publicUrl}${url}`,
      name: post!.title,
    });
    const browser = await t.app.inject({ url, headers: { accept: 'text/html' } });
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toBe(`${t.config.apps.blog.publicUrl}/coming-soon/`);

    const { cookies, csrf } = await form(`/admin/posts/${post!.id}/edit`);
    const boundary = 'b0undary';
    const del = await t.app.inject({
      method: 'POST',
      url: `/admin/posts/${post!.id}`,
      cookies,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--${boundary}\r\nContent-Disposition: form-data; name="action"\r\n\r\ndelete\r\n--${boundary}--\r\n`,
    });
    expect(del.statusCode).toBe(303);
    expect(stub.requests.some((r) => r.method === 'DELETE' && r.path === `/posts/${post!.ghostId}/`)).toBe(
      true,
    );
    const gone = await t.app.inject({ url, headers: { accept: 'application/activity+json' } });
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toMatchObject({ type: 'Tombstone' });
    expect((await t.app.inject({ url: '/ap/articles/not-a-uuid' })).statusCode).toBe(404);
  });
});
