import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostInputDto } from '../../shared/src/contracts/dtos.ts';
import { CART_COOKIE, INTERNAL_HEADERS, PAGE_TAGS } from '../../shared/src/contracts/widgets.ts';
import { RedisCache } from '../../shared/src/infrastructure/cache.ts';
import { decodeUserHeader } from '../../shared/src/infrastructure/fragments.ts';
import { PAGE_CACHE_HEADER, purgePageCache } from '../../shared/src/infrastructure/page-cache.ts';
import { postsChanged } from '../../shared/src/services/blog/post-memo.ts';
import { buildTestApp, type TestApp } from '../../shared/src/testing/app.ts';
import { testConfig } from '../../shared/src/testing/config.ts';
import { recordQueries, requirePostgres } from '../../shared/src/testing/database.ts';
import { signInAs } from '../../shared/src/testing/sessions.ts';
import { seedPost } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

/** Stands in for account, cart and events: fragments that name whoever they were asked for. */
let stub: Server;
let stubCalls = 0;
let t: TestApp;

beforeAll(async () => {
  stub = createServer((req, res) => {
    stubCalls++;
    const cart = req.headers[INTERNAL_HEADERS.cart];
    const user = decodeUserHeader(req.headers[INTERNAL_HEADERS.user] as string | undefined);
    res.writeHead(200, { 'content-type': 'text/html' });
    if (req.url?.includes('cart-mini')) res.end(`<span class="cart">cart:${cart ?? 'none'}</span>`);
    else if (req.url?.includes('account-nav'))
      res.end(`<span class="who">${user ? user.name : 'guest'}</span>`);
    else res.end('');
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  const config = testConfig({
    env: {
      BLOG_INTERNAL_URL: base,
      ACCOUNT_INTERNAL_URL: base,
      CART_INTERNAL_URL: base,
      EVENTS_INTERNAL_URL: base,
      // Post pages also ask federation (comments) and market (product cards).
      FEDERATION_INTERNAL_URL: base,
      MARKET_INTERNAL_URL: base,
    },
  });
  t = await buildTestApp(buildApp, { config });
});
afterAll(async () => {
  await t?.close();
  stub.closeAllConnections();
  await new Promise((resolve) => stub.close(resolve));
});

const html = { accept: 'text/html' };

/**
 * Records the Redis commands the app's cache sends until `stop()`; `expectNone()` holds that
 * there were none (with Redis; the in-process cache has no round trips to count).
 */
function watchRedis() {
  const cache = t.cache instanceof RedisCache ? t.cache : null;
  const sent: string[] = [];
  const client = (cache?.client ?? {}) as unknown as Record<string, unknown>;
  const commands = cache ? ['get', 'mget', 'set', 'del', 'sadd', 'multi'] : [];
  for (const command of commands) {
    const original = (client[command] as (...a: unknown[]) => unknown).bind(client);
    client[command] = (...args: unknown[]) => {
      sent.push(`${command} ${String(args[0])}`);
      return original(...args);
    };
  }
  return {
    expectNone() {
      if (!cache) return;
      expect(cache.localCopies?.active).toBe(true);
      expect(sent).toEqual([]);
    },
    stop() {
      for (const command of commands) delete client[command];
    },
  };
}
/** Saves a new title through the editor's service, as a writer would. */
function retitle(post: { id: number; slug: string; html: string | null }, title: string) {
  return t.app.services.blog.savePost({
    id: post.id,
    input: PostInputDto.parse({ title, slug: post.slug, html: post.html ?? '' }),
    action: 'save',
    writer: null,
  });
}
/** Marks silent SSO as already tried, as a browser would after its first visit. */
const visited = { blog_sso_checked: '1' };

describe('page cache', () => {
  it('serves the second anonymous GET from the cache, with ETag, Cache-Control and 304', async () => {
    const post = await seedPost(t.database.handle, { title: 'Cached post' });
    const first = await t.app.inject({ url: `/${post.slug}/`, headers: html, cookies: visited });
    expect(first.statusCode).toBe(200);
    expect(first.headers[PAGE_CACHE_HEADER]).toBe('miss');
    expect(first.body).toContain('Cached post');

    // The database row changes behind the cache's back: a hit still shows the cached copy.
    await t.database.handle.query('UPDATE posts SET title = $1 WHERE id = $2', ['Changed quietly', post.id]);
    const second = await t.app.inject({ url: `/${post.slug}/`, headers: html, cookies: visited });
    expect(second.headers[PAGE_CACHE_HEADER]).toBe('hit');
    expect(second.body).toContain('Cached post');
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['cache-control']).toBe('public, max-age=0, must-revalidate');

    const revalidated = await t.app.inject({
      url: `/${post.slug}/`,
      headers: { ...html, 'if-none-match': String(first.headers.etag) },
      cookies: visited,
    });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
  });

  it('never serves or stores a signed-in GET, nor one with a session cookie', async () => {
    const post = await seedPost(t.database.handle, { title: 'Members see live' });
    await t.app.inject({ url: `/${post.slug}/`, headers: html, cookies: visited }); // anonymous: stored
    // The row changes and the posts held in memory hear of it (as from every write path), but
    // the cached page is not purged: only a view that bypasses the page cache shows the change.
    await t.database.handle.query('UPDATE posts SET title = $1 WHERE id = $2', ['Live title', post.id]);
    await postsChanged(t.cache);

    const ann = await signInAs(t.app, 'ann@example.test', 'Ann');
    const signedIn = await t.app.inject({
      url: `/${post.slug}/`,
      headers: html,
      cookies: { ...visited, ...ann.cookies },
    });
    expect(signedIn.headers[PAGE_CACHE_HEADER]).toBe('bypass');
    expect(signedIn.headers['cache-control']).toBe('private, no-store');
    expect(signedIn.body).toContain('Live title');
    expect(signedIn.body).toContain('<span class="who">Ann</span>');

    const withSession = await t.app.inject({
      url: `/${post.slug}/`,
      headers: html,
      cookies: { ...visited, blog_session: 'whatever' },
    });
    expect(withSession.headers[PAGE_CACHE_HEADER]).toBe('bypass');
    expect(withSession.body).toContain('Live title');

    // ...and neither replaced the anonymous copy.
    const anonymous = await t.app.inject({ url: `/${post.slug}/`, headers: html, cookies: visited });
    expect(anonymous.headers[PAGE_CACHE_HEADER]).toBe('hit');
    expect(anonymous.body).toContain('Members see live');
    expect(anonymous.body).toContain('<span class="who">guest</span>');
  });

  it('a page-cache hit held by this process makes no Redis round trip, and a purge still takes effect at once', async () => {
    const post = await seedPost(t.database.handle, { title: 'Held locally' });
    const view = () => t.app.inject({ url: `/${post.slug}/`, headers: html, cookies: visited });
    expect((await view()).headers[PAGE_CACHE_HEADER]).toBe('miss');
    expect((await view()).headers[PAGE_CACHE_HEADER]).toBe('hit'); // reads back and keeps copies
    const redis = watchRedis();
    try {
      const hit = await view();
      expect(hit.headers[PAGE_CACHE_HEADER]).toBe('hit');
      expect(hit.body).toContain('Held locally');
      redis.expectNone();
    } finally {
      redis.stop();
    }
    await t.database.handle.query('UPDATE posts SET title = $1 WHERE id = $2', ['Purged at once', post.id]);
    await postsChanged(t.cache); // what every write path does with the purge (afterChange)
    await purgePageCache(t.cache, [PAGE_TAGS.blogPost(post.slug)]);
    const after = await view();
    expect(after.headers[PAGE_CACHE_HEADER]).toBe('miss');
    expect(after.body).toContain('Purged at once');
  });

  it('a signed-in view, once its fragments are cached and its post held: no database query, no other app, no Redis round trip; a change is seen at once', async (context) => {
    requirePostgres(context, 'counts the statements sent to a PostgreSQL server');
    const post = await seedPost(t.database.handle, { title: 'One query' });
    const ann = await signInAs(t.app, 'one-query@example.test', 'Ann One');
    const view = () =>
      t.app.inject({ url: `/${post.slug}/`, headers: html, cookies: { ...visited, ...ann.cookies } });
    // The first view fills the fragment and footer caches (this process's writes drop its own
    // copies), the second reads them back once and keeps copies.
    expect((await view()).statusCode).toBe(200);
    expect((await view()).statusCode).toBe(200);
    const redis = watchRedis();
    const calls = stubCalls;
    try {
      const { value: res, queries } = await recordQueries(view);
      expect(res.statusCode).toBe(200);
      expect(res.headers[PAGE_CACHE_HEADER]).toBe('bypass');
      expect(res.body).toContain('One query');
      expect(res.body).toContain('<span class="who">Ann One</span>');
      expect(queries, queries.join('\n')).toEqual([]);
      expect(stubCalls, 'another app was asked for a cached fragment').toBe(calls);
      // Session, fragments, footer and the posts' generation come from this process's copies.
      redis.expectNone();
    } finally {
      redis.stop();
    }
    // A change made through the app (here the editor's save) is seen by the next view: the
    // held post is dropped and read again, in one query.
    expect((await retitle(post, 'One query, edited')).ok).toBe(true);
    const reread = await recordQueries(view);
    expect(reread.value.body).toContain('One query, edited');
    expect(reread.queries, reread.queries.join('\n')).toHaveLength(1);
    const held = await recordQueries(view);
    expect(held.value.body).toContain('One query, edited');
    expect(held.queries, held.queries.join('\n')).toEqual([]);
  });

  it('fills the personalised header slots per request, outside the cached body', async () => {
    const post = await seedPost(t.database.handle);
    const a = await t.app.inject({
      url: `/${post.slug}/`,
      headers: html,
      cookies: { ...visited, [CART_COOKIE]: 'cart_aaaaaaaaaaaaaaaaaaaa' },
    });
    const b = await t.app.inject({
      url: `/${post.slug}/`,
      headers: html,
      cookies: { ...visited, [CART_COOKIE]: 'cart_bbbbbbbbbbbbbbbbbbbb' },
    });
    expect(a.headers[PAGE_CACHE_HEADER]).toBe('miss');
    expect(b.headers[PAGE_CACHE_HEADER]).toBe('hit');
    expect(a.body).toContain('cart:cart_aaaaaaaaaaaaaaaaaaaa');
    expect(b.body).toContain('cart:cart_bbbbbbbbbbbbbbbbbbbb');
    expect(b.body).not.toContain('cart_aaaa');
    expect(b.headers['cache-control']).toBe('private, no-cache');
    const stored = await t.cache.get(`page:blog:/${post.slug}/`);
    expect(stored).toContain('<!--rose-ash-fragment:cart-mini-->');
    expect(stored).not.toContain('cart:');
  });

  it('purges the post page and the home page when the content changes', async () => {
    const post = await seedPost(t.database.handle, { title: 'Before edit' });
    await t.app.inject({ url: `/${post.slug}/`, headers: html, cookies: visited });
    await t.app.inject({ url: '/', headers: html, cookies: visited });
    expect(
      (await t.app.inject({ url: '/', headers: html, cookies: visited })).headers[PAGE_CACHE_HEADER],
    ).toBe('hit');

    expect((await retitle(post, 'After edit')).ok).toBe(true);
    const page = await t.app.inject({ url: `/${post.slug}/`, headers: html, cookies: visited });
    expect(page.headers[PAGE_CACHE_HEADER]).toBe('miss');
    expect(page.body).toContain('After edit');
    const home = await t.app.inject({ url: '/', headers: html, cookies: visited });
    expect(home.headers[PAGE_CACHE_HEADER]).toBe('miss');
    expect(home.body).toContain('After edit');
    expect(await purgePageCache(t.cache, ['no-such-tag'])).toBe(0);
  });

  it('keys pages on the query parameters their route declares, not on tracking junk', async () => {
    await seedPost(t.database.handle, { title: 'Tracked' });
    await purgePageCache(t.cache, [PAGE_TAGS.blogPosts]);
    const statuses: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await t.app.inject({
        url: `/?utm_source=x${i}&fbclid=${i}`,
        headers: html,
        cookies: visited,
      });
      expect(res.statusCode).toBe(200);
      statuses.push(String(res.headers[PAGE_CACHE_HEADER]));
    }
    expect(statuses.filter((s) => s === 'miss')).toHaveLength(1);
    // The declared parameter still makes its own copy.
    const second = await t.app.inject({ url: '/?page=1&utm_source=y', headers: html, cookies: visited });
    expect(second.headers[PAGE_CACHE_HEADER]).toBe('hit');
    const keys = await t.cache.smembers(`pagetag:${PAGE_TAGS.blogPosts}`);
    expect(keys.filter((k) => k.startsWith('page:blog:/?') || k === 'page:blog:/')).toHaveLength(1);
  });

  it('does not cache 404s or drafts', async () => {
    const draft = await seedPost(t.database.handle, { status: 'draft' });
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ url: `/${draft.slug}/`, headers: html, cookies: visited });
      expect(res.statusCode).toBe(404);
    }
    expect(await t.cache.get(`page:blog:/${draft.slug}/`)).toBeNull();
    expect(stubCalls).toBeGreaterThan(0);
  });
});
