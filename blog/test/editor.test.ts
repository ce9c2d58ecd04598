import { join } from 'node:path';
import { apActivities, posts } from '@rose-ash/shared/db/schema/index.ts';
import { parseLocalDateTime } from '@rose-ash/shared/services/blog/editor-service.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { type GhostStub, startGhostStub } from '@rose-ash/shared/testing/ghost-stub.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { formSession, multipart, submitForm } from './forms.ts';

const ADMIN = 'editor-admin@example.org';
let t: TestApp;
let cookies: Record<string, string>;

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5a3d6b60000000049454e44ae426082',
  'hex',
);

beforeAll(async () => {
  t = await buildTestApp(buildApp, { config: testConfig({ env: { ADMIN_EMAILS: ADMIN } }) });
  ({ cookies } = await signInAs(t.app, ADMIN, 'Ed Itor'));
});
afterAll(() => t?.close());

describe('post editor', () => {
  it('is for admins only', async () => {
    const anonymous = await t.app.inject({ url: '/admin/posts', headers: { accept: 'text/html' } });
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toContain('/auth/login');
    const member = await signInAs(t.app, 'reader@example.org');
    const forbidden = await t.app.inject({
      url: '/admin/posts/new',
      cookies: member.cookies,
      headers: { accept: 'text/html' },
    });
    expect(forbidden.statusCode).toBe(403);
  });

  it('creates a draft with a sanitised body, tags and an uploaded feature image, then publishes it', async () => {
    const { cookies: c, csrf, page } = await formSession(t.app, '/admin/posts/new', cookies);
    expect(page.body).toContain('data-post-editor');
    expect(page.body).toContain('/static/editor/editor.js');
    const body =
      '<h2>Hello</h2><ul><li>one</li><li>two</li></ul><p><a href="https://example.org/">a link</a><script>alert(1)</script></p>';
    const draft = await submitForm(
      t.app,
      '/admin/posts',
      c,
      {
        _csrf: csrf,
        title: 'Editor test post',
        html: body,
        tags: 'News, Garden',
        excerpt: 'Short',
        action: 'save',
      },
      { name: 'pic.png', data: PNG, type: 'image/png' },
    );
    expect(draft.statusCode).toBe(303);
    const id = Number(/\/admin\/posts\/(\d+)\/edit/.exec(draft.headers.location as string)![1]);
    const [row] = await t.database.handle.db.select().from(posts).where(eq(posts.id, id));
    expect(row).toMatchObject({ status: 'draft', slug: 'editor-test-post', customExcerpt: 'Short' });
    expect(row!.html).toContain('<h2>Hello</h2><ul><li>one</li><li>two</li></ul>');
    expect(row!.html).not.toContain('script');
    expect(row!.featureImage).toMatch(/\/media\/blog\/\d{4}\/\d\d\/[0-9a-f]{24}\.png$/);
    const media = await t.app.inject({ url: new URL(row!.featureImage!).pathname });
    expect(media.statusCode).toBe(200);
    expect(media.headers['content-type']).toBe('image/png');
    // Not live yet.
    expect((await t.app.inject({ url: '/rss/' })).body).not.toContain('Editor test post');

    const edit = await formSession(t.app, `/admin/posts/${id}/edit`, cookies);
    expect(edit.page.body).toContain('value="News, Garden"');
    const published = await t.app.inject({
      method: 'POST',
      url: `/admin/posts/${id}`,
      cookies: edit.cookies,
      ...multipart({
        _csrf: edit.csrf,
        title: 'Editor test post',
        html: body,
        tags: 'News, Garden',
        excerpt: 'Short',
        action: 'publish',
      }),
    });
    expect(published.statusCode).toBe(303);
    expect((await t.app.inject({ url: '/rss/' })).body).toContain('Editor test post');
    const [activity] = await t.database.handle.db
      .select()
      .from(apActivities)
      .where(eq(apActivities.type, 'Create'))
      .orderBy(desc(apActivities.id));
    const object = (activity!.object as { object: Record<string, unknown> }).object;
    expect(object).toMatchObject({ type: 'Article', name: 'Editor test post', summary: 'Short' });
    expect(object.url).toBe(`${t.config.apps.blog.publicUrl}/editor-test-post/`);
  });

  it('refuses a non-image upload and a form without a CSRF token, keeping the typed text', async () => {
    const { cookies: c, csrf } = await formSession(t.app, '/admin/posts/new', cookies);
    const bad = await submitForm(
      t.app,
      '/admin/posts',
      c,
      { _csrf: csrf, title: 'Keep me', html: '<p>typed words</p>', action: 'save' },
      { name: 'evil.png', data: Buffer.from('<svg onload=alert(1)>'), type: 'image/png' },
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('not a JPEG, PNG, GIF or WebP');
    expect(bad.body).toContain('typed words');
    const noCsrf = await t.app.inject({
      method: 'POST',
      url: '/admin/posts',
      cookies,
      ...multipart({ title: 'x', action: 'save' }),
    });
    expect(noCsrf.statusCode).toBe(403);
  });

  it('autosaves drafts as JSON and schedules, unpublishes and deletes', async () => {
    const { cookies: c, csrf } = await formSession(t.app, '/admin/posts/new', cookies);
    const created = await submitForm(t.app, '/admin/posts', c, {
      _csrf: csrf,
      title: 'Lifecycle',
      html: '<p>v1</p>',
      action: 'save',
    });
    expect(created.statusCode, created.body.slice(0, 3000)).toBe(303);
    const id = Number(/\/admin\/posts\/(\d+)\//.exec(created.headers.location as string)![1]);
    const autosave = await t.app.inject({
      method: 'POST',
      url: `/admin/posts/${id}/autosave`,
      cookies: c,
      headers: { 'x-csrf-token': csrf, accept: 'application/json' },
      payload: { title: 'Lifecycle', html: '<p>v2 autosaved</p>' },
    });
    expect(autosave.statusCode, autosave.body).toBe(200);
    expect(autosave.json().savedAt).toBeTruthy();
    const [row] = await t.database.handle.db.select().from(posts).where(eq(posts.id, id));
    expect(row).toMatchObject({ html: '<p>v2 autosaved</p>', status: 'draft' });

    const past = await submitForm(t.app, `/admin/posts/${id}`, c, {
      _csrf: csrf,
      title: 'Lifecycle',
      html: '<p>v2</p>',
      action: 'schedule',
      publishAt: '2001-01-01T10:00',
    });
    expect(past.statusCode).toBe(400);
    expect(past.body).toContain('in the future');

    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await submitForm(t.app, `/admin/posts/${id}`, c, {
      _csrf: csrf,
      title: 'Lifecycle',
      html: '<p>v2</p>',
      action: 'schedule',
      publishAt: soon,
    });
    expect(scheduled.statusCode).toBe(303);
    expect((await t.database.handle.db.select().from(posts).where(eq(posts.id, id)))[0]?.status).toBe(
      'scheduled',
    );
    expect(await t.app.services.blog.publishDue(new Date(Date.now() + 7_200_000))).toBe(1);
    expect((await t.database.handle.db.select().from(posts).where(eq(posts.id, id)))[0]?.status).toBe(
      'published',
    );

    const unpublished = await submitForm(t.app, `/admin/posts/${id}`, c, {
      _csrf: csrf,
      title: 'Lifecycle',
      html: '<p>v2</p>',
      action: 'unpublish',
    });
    expect(unpublished.statusCode).toBe(303);
    const types = (await t.database.handle.db.select({ type: apActivities.type }).from(apActivities)).map(
      (a) => a.type,
    );
    expect(types).toContain('Delete');

    const deleted = await submitForm(t.app, `/admin/posts/${id}`, c, { _csrf: csrf, action: 'delete' });
    expect(deleted.statusCode).toBe(303);
    expect(await t.database.handle.db.$count(posts, eq(posts.id, id))).toBe(0);
    const missing = await t.app.inject({
      url: `/admin/posts/${id}/edit`,
      cookies,
      headers: { accept: 'text/html' },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('autosave creates a new draft once, and never touches a published post', async () => {
    const { cookies: c, csrf } = await formSession(t.app, '/admin/posts/new', cookies);
    const first = await t.app.inject({
      method: 'POST',
      url: '/admin/posts/autosave',
      cookies: c,
      headers: { 'x-csrf-token': csrf, accept: 'application/json' },
      payload: { title: 'Autosaved from scratch', html: '<p>draft</p>' },
    });
    expect(first.statusCode).toBe(200);
    const { id, autosaveUrl, formAction } = first.json();
    expect(autosaveUrl).toBe(`/admin/posts/${id}/autosave`);
    expect(formAction).toBe(`/admin/posts/${id}`);
    expect((await t.database.handle.db.select().from(posts).where(eq(posts.id, id)))[0]?.status).toBe(
      'draft',
    );
    const untitled = await t.app.inject({
      method: 'POST',
      url: '/admin/posts/autosave',
      cookies: c,
      headers: { 'x-csrf-token': csrf, accept: 'application/json' },
      payload: { title: '', html: '<p>x</p>' },
    });
    expect(untitled.statusCode).toBe(400);
    expect(untitled.json().error.message).toContain('title');

    const publish = await submitForm(t.app, `/admin/posts/${id}`, c, {
      _csrf: csrf,
      title: 'Autosaved from scratch',
      html: '<p>live</p>',
      action: 'publish',
    });
    expect(publish.statusCode).toBe(303);
    const edit = await t.app.inject({
      url: `/admin/posts/${id}/edit`,
      cookies,
      headers: { accept: 'text/html' },
    });
    expect(edit.body).not.toContain('data-autosave-url');
    const late = await t.app.inject({
      method: 'POST',
      url: `/admin/posts/${id}/autosave`,
      cookies: c,
      headers: { 'x-csrf-token': csrf, accept: 'application/json' },
      payload: { title: 'Autosaved from scratch', html: '<p>half-typed</p>' },
    });
    expect(late.statusCode).toBe(409);
    expect((await t.database.handle.db.select().from(posts).where(eq(posts.id, id)))[0]?.html).toBe(
      '<p>live</p>',
    );
  });

  it('reads datetime-local values in the site time zone', () => {
    expect(parseLocalDateTime('2026-07-01T18:30', 'Europe/London')?.toISOString()).toBe(
      '2026-07-01T17:30:00.000Z',
    );
    expect(parseLocalDateTime('2026-12-01T18:30', 'Europe/London')?.toISOString()).toBe(
      '2026-12-01T18:30:00.000Z',
    );
    expect(parseLocalDateTime('nonsense', 'Europe/London')).toBeNull();
  });
});

describe('write-back to Ghost', () => {
  let stub: GhostStub;
  let g: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    stub = await startGhostStub({ fixturesDir: join(import.meta.dirname, 'fixtures/ghost') });
    g = await buildTestApp(buildApp, {
      config: testConfig({
        env: { ADMIN_EMAILS: ADMIN, GHOST_URL: stub.url, GHOST_ADMIN_API_KEY: stub.adminApiKey },
      }),
    });
    await g.app.ghostSync!.runFull();
    ({ cookies: admin } = await signInAs(g.app, ADMIN));
  });
  afterAll(async () => {
    await g?.close();
    await stub?.close();
  });

  it('sends the PUT with the current updated_at, and the echo changes nothing', async () => {
    const [post] = await g.database.handle.db.select().from(posts).where(eq(posts.slug, 'coming-soon'));
    const { cookies: c, csrf, page } = await formSession(g.app, `/admin/posts/${post!.id}/edit`, admin);
    const ghostUpdatedAt = formField(page.body, 'ghostUpdatedAt')!;
    const res = await submitForm(g.app, `/admin/posts/${post!.id}`, c, {
      _csrf: csrf,
      ghostUpdatedAt,
      title: 'Coming soon (edited)',
      html: '<p>Edited here</p>',
      action: 'save',
    });
    expect(res.statusCode).toBe(303);
    const put = stub.requests.find((r) => r.method === 'PUT' && r.path === `/posts/${post!.ghostId}/`);
    expect(put?.query.get('source')).toBe('html');
    const sent = (put!.body!.posts as Record<string, unknown>[])[0]!;
    expect(new Date(sent.updated_at as string).getTime()).toBe(post!.ghostUpdatedAt!.getTime());
    expect(sent.html).toBe('<p>Edited here</p>');
    expect(put?.query.get('newsletter')).toBeNull();

    // Ghost's webhook echo of our own write: a no-op.
    const echoed = stub.posts.find((p) => p.id === post!.ghostId)!;
    const counts = await g.app.ghostSync!.runIncremental();
    expect(counts.posts?.updated ?? 0).toBe(0);
    expect(echoed.title).toBe('Coming soon (edited)');
  });

  it('shows the collision message on a 409 and keeps the typed text', async () => {
    const [post] = await g.database.handle.db.select().from(posts).where(eq(posts.slug, 'seed-post-1'));
    const { cookies: c, csrf } = await formSession(g.app, `/admin/posts/${post!.id}/edit`, admin);
    // Someone edits the post in Ghost meanwhile.
    const inGhost = stub.posts.find((p) => p.id === post!.ghostId)!;
    inGhost.updated_at = new Date(Date.now() + 60_000).toISOString();
    const res = await submitForm(g.app, `/admin/posts/${post!.id}`, c, {
      _csrf: csrf,
      ghostUpdatedAt: post!.ghostUpdatedAt!.toISOString(),
      title: 'My careful title',
      html: '<p>Paragraphs I must not lose</p>',
      action: 'save',
    });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('changed in Ghost');
    expect(res.body).toContain('Paragraphs I must not lose');
    expect(res.body).toContain('My careful title');
    const [after] = await g.database.handle.db.select().from(posts).where(eq(posts.id, post!.id));
    expect(after!.title).toBe(post!.title);
  });
});
