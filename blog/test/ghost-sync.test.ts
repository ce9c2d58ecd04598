import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  authors,
  ghostMemberLinks,
  navigationItems,
  newsletterSubscriptions,
  newsletters,
  posts,
  postsTags,
  tags,
  users,
} from '@rose-ash/shared/db/schema/index.ts';
import { sanitizePostHtml } from '@rose-ash/shared/services/blog/ghost-html.ts';
import { verifyGhostSignature } from '@rose-ash/shared/services/blog/ghost-webhooks.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { type GhostStub, startGhostStub } from '@rose-ash/shared/testing/ghost-stub.ts';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedPost } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

const fixtures = join(import.meta.dirname, 'fixtures/ghost');
const WEBHOOK_SECRET = 'probe-webhook-secret';

interface Delivery {
  headers: Record<string, string>;
  body: unknown;
}
const delivery = (event: string): Delivery =>
  JSON.parse(readFileSync(join(fixtures, `webhook-${event}.json`), 'utf8'));
const signedAt = (d: Delivery) => Number(/t=(\d+)/.exec(d.headers['x-ghost-signature']!)![1]);
/** A delivery of `body` signed now with the test's webhook secret, as Ghost signs. */
const signedNow = (body: unknown): Delivery => {
  const t = Date.now();
  const hex = createHmac('sha256', WEBHOOK_SECRET)
    .update(JSON.stringify(body) + t)
    .digest('hex');
  return { headers: { 'x-ghost-signature': `sha256=${hex}, t=${t}` }, body };
};

let stub: GhostStub;
let t: TestApp;

beforeAll(async () => {
  stub = await startGhostStub({ fixturesDir: fixtures });
  t = await buildTestApp(buildApp, {
    config: testConfig({
      env: {
        GHOST_URL: stub.url,
        GHOST_ADMIN_API_KEY: stub.adminApiKey,
        GHOST_WEBHOOK_SECRET: WEBHOOK_SECRET,
      },
    }),
  });
});
afterAll(async () => {
  await t?.close();
  await stub?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const db = () => t.database.handle.db;

async function post(
  d: Delivery,
  rawBody = JSON.stringify(d.body),
  signature = d.headers['x-ghost-signature'],
) {
  // The recorded signatures carry the recording's time: freeze the clock there.
  vi.useFakeTimers({ now: signedAt(d), toFake: ['Date'] });
  const res = await t.app.inject({
    method: 'POST',
    url: '/ghost/webhook',
    headers: { 'content-type': 'application/json', 'x-ghost-signature': signature ?? '' },
    payload: rawBody,
  });
  vi.useRealTimers();
  return res;
}

describe('full sync against the recorded Ghost', () => {
  it('imports posts, pages, tags, authors, newsletters and navigation; a second run changes nothing', async () => {
    const first = await t.app.ghostSync!.runFull();
    expect(first.posts).toEqual({ created: 3 });
    expect(first.pages).toEqual({ created: 2 });
    expect(first.tags?.created).toBe(3);
    expect(first.authors?.created).toBe(1);
    expect(first.newsletters).toEqual({ created: 1 });
    expect(first.navigation).toEqual({ created: 1 });

    expect(await db().$count(posts, eq(posts.type, 'post'))).toBe(3);
    expect(await db().$count(posts, eq(posts.type, 'page'))).toBe(2);
    expect(await db().$count(tags)).toBe(3);
    expect(await db().$count(authors)).toBe(1);
    expect(await db().$count(newsletters)).toBe(1);
    const nav = await db()
      .select()
      .from(navigationItems)
      .orderBy(navigationItems.menu, navigationItems.sortOrder);
    expect(nav.map((n) => `${n.menu}:${n.label}:${n.url}`)).toEqual([
      'primary:Home:/',
      'primary:About:/about/',
      'secondary:Sign up:#/portal/',
    ]);
    const [seed2] = await db().select().from(posts).where(eq(posts.slug, 'seed-post-2'));
    expect(seed2).toMatchObject({
      status: 'draft',
      customExcerpt: 'Excerpt 2',
      html: '<p>Hello from seed post 2.</p>',
    });
    expect(await db().$count(postsTags, eq(postsTags.postId, seed2!.id))).toBeGreaterThan(0);

    // Both pages of the paginated browse were requested, with the documented parameters.
    const browses = stub.requests.filter((r) => r.method === 'GET' && r.path === '/posts/');
    expect(browses.map((r) => r.query.get('page'))).toEqual(['1']);
    expect(browses[0]!.query.get('include')).toBe('tags,authors');

    const second = await t.app.ghostSync!.runFull();
    for (const [resource, counts] of Object.entries(second)) {
      expect(Object.keys(counts), resource).toEqual(['unchanged']);
    }
    expect(second.posts).toEqual({ unchanged: 3 });
  });

  it('pulls incrementally with the filter format Ghost matches on every database', async () => {
    stub.requests.length = 0;
    const counts = await t.app.ghostSync!.runIncremental();
    const filtered = stub.requests.find((r) => r.path === '/posts/' && r.query.get('filter'));
    expect(filtered?.query.get('filter')).toMatch(/^updated_at:>='\d{4}-\d\d-\d\d \d\d:\d\d:\d\d'$/);
    expect(counts.posts).toEqual({ unchanged: 3 });
  });

  it('deletes what Ghost no longer has', async () => {
    const removed = stub.posts.pop()!;
    const counts = await t.app.ghostSync!.runFull();
    expect(counts.posts).toEqual({ unchanged: 2, deleted: 1 });
    expect(await db().$count(posts, eq(posts.ghostId, removed.id as string))).toBe(0);
    stub.posts.push(removed);
  });
});

describe('webhooks', () => {
  it('verifies every recorded delivery with its recorded signature', () => {
    const summary = JSON.parse(readFileSync(join(fixtures, 'webhook-deliveries-summary.json'), 'utf8')) as {
      event: string;
    }[];
    const events = [...new Set(summary.map((s) => s.event))];
    for (const event of events) {
      const d = delivery(event);
      expect(
        verifyGhostSignature(
          JSON.stringify(d.body),
          d.headers['x-ghost-signature'],
          WEBHOOK_SECRET,
          signedAt(d),
        ),
        event,
      ).toMatchObject({ ok: true });
    }
  });

  it('applies the recorded post lifecycle in arrival order, idempotently', async () => {
    const ghostId = '6b08a583249c9e3c394a3bee';
    const state = async () => (await db().select().from(posts).where(eq(posts.ghostId, ghostId)))[0];

    for (const event of ['tag.added', 'post.tag.attached', 'post.added']) {
      expect((await post(delivery(event))).statusCode).toBe(200);
    }
    await t.app.ghostSync!.drainWebhooks();
    expect(await state()).toMatchObject({ slug: 'probe-post', status: 'draft' });

    // Same updated_at as post.added, different status: must still apply.
    expect((await post(delivery('post.published'))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    expect((await state())?.status).toBe('published');

    expect((await post(delivery('post.published.edited'))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    const edited = await state();
    expect(edited?.title).toBe(
      (delivery('post.published.edited').body as { post: { current: { title: string } } }).post.current.title,
    );

    // A retried (older) delivery does not roll the content back.
    expect((await post(delivery('post.published'))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    expect((await state())?.title).toBe(edited?.title);

    expect((await post(delivery('post.unpublished'))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    expect((await state())?.status).toBe('draft');

    expect((await post(delivery('post.deleted'))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    expect(await state()).toBeUndefined();
  });

  it('applies page and tag deliveries, including deletes', async () => {
    for (const event of ['page.published', 'tag.edited'])
      expect((await post(delivery(event))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    expect(await db().$count(posts, eq(posts.slug, 'probe-page'))).toBe(1);
    const [tag] = await db().select().from(tags).where(eq(tags.ghostId, '6b08a586249c9e3c394a3c00'));
    expect(tag?.name).toBe('Probe Tag 2b');
    expect((await post(delivery('tag.deleted'))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    expect(await db().$count(tags, eq(tags.ghostId, '6b08a586249c9e3c394a3c00'))).toBe(0);
  });

  it('a tag renamed or deleted in Ghost shows at once on the posts carrying it', async () => {
    const [tag] = await db()
      .insert(tags)
      .values({
        ghostId: '6b08a586249c9e3c394a3c00',
        slug: 'probe-tag-2',
        name: 'Probe Tag 2',
        visibility: 'public',
      })
      .returning();
    const carrier = await seedPost(t.database.handle, { title: 'Carries a tag' });
    await db().insert(postsTags).values({ postId: carrier.id, tagId: tag!.id, sortOrder: 0 });
    const view = () =>
      t.app.inject({
        url: `/${carrier.slug}/`,
        headers: { accept: 'text/html' },
        cookies: { blog_sso_checked: '1' },
      });
    expect((await view()).body).toContain('>Probe Tag 2</a>');
    expect((await view()).headers['x-cache']).toBe('hit'); // and the post is held in memory

    // Fresh deliveries (the recorded ones were applied above), shaped and signed as Ghost does.
    const edited = delivery('tag.edited').body as { tag: { current: Record<string, unknown> } };
    const rename = {
      ...edited,
      tag: {
        ...edited.tag,
        current: { ...edited.tag.current, name: 'Renamed in Ghost', updated_at: new Date().toISOString() },
      },
    };
    expect((await post(signedNow(rename))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    const renamed = await view();
    expect(renamed.headers['x-cache']).toBe('miss');
    expect(renamed.body).toContain('>Renamed in Ghost</a>');

    const deleted = delivery('tag.deleted').body as Record<string, unknown>;
    expect((await post(signedNow({ ...deleted, event: 'tag.deleted', resent: true }))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    const untagged = await view();
    expect(untagged.body).toContain('Carries a tag');
    expect(untagged.body).not.toContain('Renamed in Ghost');
  });

  it("mirrors a member's newsletters onto the matching member here, and a site change pulls", async () => {
    const email = 'probe1795728774443@example.com';
    const [user] = await db().insert(users).values({ email }).returning();
    const subscribed = async () =>
      (
        await db()
          .select({ subscribed: newsletterSubscriptions.subscribed, ghostId: newsletters.ghostId })
          .from(newsletterSubscriptions)
          .innerJoin(newsletters, eq(newsletters.id, newsletterSubscriptions.newsletterId))
          .where(eq(newsletterSubscriptions.userId, user!.id))
      )
        .filter((r) => r.subscribed)
        .map((r) => r.ghostId);

    expect((await post(delivery('member.added'))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    expect(await subscribed()).toEqual(['6b08a57f249c9e3c394a3904']);
    const [link] = await db().select().from(ghostMemberLinks).where(eq(ghostMemberLinks.userId, user!.id));
    expect(link?.ghostMemberId).toBeTruthy();

    expect((await post(delivery('member.edited'))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    expect(await subscribed()).toEqual([]);

    expect((await post(delivery('member.added'))).statusCode).toBe(200);
    expect((await post(delivery('member.deleted'))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    expect(await subscribed()).toEqual([]);
    expect(await db().$count(ghostMemberLinks, eq(ghostMemberLinks.userId, user!.id))).toBe(0);

    stub.requests.length = 0;
    expect((await post(delivery('site.changed'))).statusCode).toBe(200);
    await t.app.ghostSync!.drainWebhooks();
    expect(stub.requests.some((r) => r.path === '/settings/')).toBe(true);
  });

  it('refuses a tampered body, a stale timestamp or a missing signature with 401 and changes nothing', async () => {
    const d = delivery('page.published');
    const before = await db().$count(posts);
    const tampered = JSON.stringify(d.body).replace('probe-page', 'evil-page');
    expect((await post(d, tampered)).statusCode).toBe(401);
    // The real clock is far past the recording: the same genuine delivery is now stale.
    const stale = await t.app.inject({
      method: 'POST',
      url: '/ghost/webhook',
      headers: { 'content-type': 'application/json', 'x-ghost-signature': d.headers['x-ghost-signature']! },
      payload: JSON.stringify(d.body),
    });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.code).toBe('AUTH_SIGNATURE_INVALID');
    expect((await post(d, JSON.stringify(d.body), '')).statusCode).toBe(401);
    await t.app.ghostSync!.drainWebhooks();
    expect(await db().$count(posts)).toBe(before);
    expect(await db().$count(posts, eq(posts.slug, 'evil-page'))).toBe(0);
  });

  it('answers malformed JSON with a 400', async () => {
    const raw = '{"post":';
    const ts = Date.now();
    const { createHmac } = await import('node:crypto');
    const sig = `sha256=${createHmac('sha256', WEBHOOK_SECRET)
      .update(raw + ts)
      .digest('hex')}, t=${ts}`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/ghost/webhook',
      headers: { 'content-type': 'application/json', 'x-ghost-signature': sig },
      payload: raw,
    });
    expect(res.statusCode).toBe(400);
  });
});

describe('post HTML on ingest', () => {
  it('keeps Ghost cards and allowed embeds, drops scripts, handlers and foreign iframes', () => {
    const html = sanitizePostHtml(
      '<figure class="kg-card kg-image-card"><img src="https://x.test/a.jpg" onerror="alert(1)" alt="A"><figcaption>Cap</figcaption></figure>' +
        '<script>alert(1)</script><iframe src="https://www.youtube.com/embed/x"></iframe><iframe src="https://evil.test/"></iframe>' +
        '<a href="javascript:alert(1)">x</a>',
    )!;
    expect(html).toContain(
      '<figure class="kg-card kg-image-card"><img src="https://x.test/a.jpg" alt="A" />',
    );
    expect(html).toContain('youtube.com/embed/x');
    expect(html).not.toMatch(/script|onerror|evil\.test|javascript:/);
  });
});
