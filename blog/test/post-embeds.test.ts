/**
 * What other apps add to a post page: the market's product cards after each block that links
 * to a product (issue 13 item 4) and the fediverse replies under the post (issue 16 item 8),
 * from stub fragment servers; and the page still renders when those apps are down.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INTERNAL_HEADERS, ProductCardsQuery } from '@rose-ash/shared/contracts/widgets.ts';
import { invalidateFragment } from '@rose-ash/shared/infrastructure/fragments.ts';
import { PAGE_CACHE_HEADER } from '@rose-ash/shared/infrastructure/page-cache.ts';
import { articleId } from '@rose-ash/shared/services/blog/post-activities.ts';
import { productSlugOf, splitAtProductLinks } from '@rose-ash/shared/services/blog/product-links.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPost } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

const html = { accept: 'text/html' };
const visited = { blog_sso_checked: '1' };
let up: Server;
let down: Server;
let live: TestApp;
let dead: TestApp;
const asked: URL[] = [];

async function serve(handler: Parameters<typeof createServer>[1]): Promise<[Server, string]> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}

beforeAll(async () => {
  let base: string;
  [up, base] = await serve((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    asked.push(url);
    const ok = req.headers[INTERNAL_HEADERS.token] !== undefined;
    res.writeHead(ok ? 200 : 403, { 'content-type': 'text/html' });
    if (url.pathname.endsWith('/product-cards')) {
      res.end(`<ul class="product-cards">${url.searchParams.get('slugs')}</ul>`);
    } else if (url.pathname.endsWith('/comments')) {
      res.end(`<ol class="comments">replies to ${url.searchParams.get('object')}</ol>`);
    } else res.end('');
  });
  // Accepts the connection and never answers: slower than any fragment timeout.
  let slow: string;
  [down, slow] = await serve(() => {});
  const appsAt = (url: string) => ({
    MARKET_INTERNAL_URL: url,
    FEDERATION_INTERNAL_URL: url,
    EVENTS_INTERNAL_URL: url,
    ACCOUNT_INTERNAL_URL: url,
    CART_INTERNAL_URL: url,
  });
  [live, dead] = await Promise.all([
    buildTestApp(buildApp, { config: testConfig({ env: appsAt(base) }) }),
    buildTestApp(buildApp, { config: testConfig({ env: appsAt(slow) }) }),
  ]);
});
afterAll(async () => {
  await Promise.all([live?.close(), dead?.close()]);
  for (const server of [up, down]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const body = (market: string) =>
  `<p>Try the <a href="${market}/p/free-range-eggs/">eggs</a> and <a href="${market}/p/sourdough">bread</a>.</p>` +
  '<p>Nothing to buy here.</p>' +
  `<figure class="kg-card kg-bookmark-card"><a class="kg-bookmark-container" href="${market}/p/damson-jam/"><div class="kg-bookmark-content"><div class="kg-bookmark-title">Damson jam</div></div></a></figure>` +
  '<p><a href="https://elsewhere.example/p/not-ours/">Not the market</a></p>';

describe('product links', () => {
  it('finds products linked from the market, block by block, and keeps every byte', () => {
    const market = 'https://market.example.org';
    expect(productSlugOf(`${market}/p/eggs/`, market)).toBe('eggs');
    expect(productSlugOf('/p/eggs/', market)).toBeNull();
    expect(productSlugOf('https://evil.example/p/eggs/', market)).toBeNull();
    expect(productSlugOf(`${market}/markets/eggs/`, market)).toBeNull();
    const source = body(market);
    const segments = splitAtProductLinks(source, market);
    expect(segments.map((s) => s.slugs)).toEqual([['free-range-eggs', 'sourdough'], ['damson-jam'], []]);
    expect(segments.map((s) => s.html).join('')).toBe(source);
    expect(ProductCardsQuery.safeParse({ slugs: 'free-range-eggs,sourdough' }).success).toBe(true);
    expect(ProductCardsQuery.safeParse({ slugs: 'Bad Slug' }).success).toBe(false);
  });
});

describe('a post page with other apps up', () => {
  it("inserts the market's cards after each linking block and the fediverse replies under the post", async () => {
    const market = live.config.apps.market.publicUrl;
    const post = await seedPost(live.database.handle, { title: 'Shopping list', html: body(market) });
    const page = await live.app.inject({ url: `/${post.slug}/`, headers: html, cookies: visited });
    expect(page.statusCode).toBe(200);
    const content = page.body;
    const at = (needle: string) => {
      const i = content.indexOf(needle);
      expect(i, needle).toBeGreaterThan(-1);
      return i;
    };
    expect(at('bread</a>.</p>')).toBeLessThan(at('<ul class="product-cards">free-range-eggs,sourdough</ul>'));
    expect(at('<ul class="product-cards">free-range-eggs,sourdough</ul>')).toBeLessThan(
      at('<p>Nothing to buy here.</p>'),
    );
    expect(at('Damson jam</div></div></a></figure>')).toBeLessThan(
      at('<ul class="product-cards">damson-jam</ul>'),
    );
    expect(content).not.toContain('not-ours</ul>');
    const object = articleId(live.config, post);
    expect(content).toContain(`<ol class="comments">replies to ${object}</ol>`);
    expect(at('</article>')).toBeLessThan(at('<ol class="comments">'));
    const commentsAsked = asked.find((u) => u.pathname.endsWith('/comments'));
    expect(commentsAsked?.searchParams.get('object')).toBe(object);
  });

  it('drops its cached copy when the replies or the cards it shows are invalidated', async () => {
    const market = live.config.apps.market.publicUrl;
    const post = await seedPost(live.database.handle, { title: 'Cached list', html: body(market) });
    const get = () => live.app.inject({ url: `/${post.slug}/`, headers: html, cookies: visited });
    expect((await get()).headers[PAGE_CACHE_HEADER]).toBe('miss');
    expect((await get()).headers[PAGE_CACHE_HEADER]).toBe('hit');
    // A new reply arrived: federation invalidates the post's comments.
    await invalidateFragment(live.app.cache, 'comments', {
      params: { object: articleId(live.config, post) },
    });
    expect((await get()).headers[PAGE_CACHE_HEADER]).toBe('miss');
    expect((await get()).headers[PAGE_CACHE_HEADER]).toBe('hit');
    // A price changed: the market invalidates the cards showing the product (as it received them).
    await invalidateFragment(live.app.cache, 'product-cards', { params: { slugs: 'damson-jam' } });
    expect((await get()).headers[PAGE_CACHE_HEADER]).toBe('miss');
    // Cards of a product this post does not show leave it cached.
    await invalidateFragment(live.app.cache, 'product-cards', { params: { slugs: 'other-jam' } });
    expect((await get()).headers[PAGE_CACHE_HEADER]).toBe('hit');
  });

  it('asks nothing of the market for a post without product links, and shows no comments on a page', async () => {
    const page = await seedPost(live.database.handle, {
      title: 'About',
      type: 'page',
      html: '<p>Just us.</p>',
    });
    asked.length = 0;
    const res = await live.app.inject({ url: `/${page.slug}/`, headers: html, cookies: visited });
    expect(res.statusCode).toBe(200);
    expect(asked.filter((u) => /product-cards|comments/.test(u.pathname))).toEqual([]);
    expect(res.body).not.toContain('slot-comments');
  });
});

describe('a post page with other apps down', () => {
  it('renders the post without the cards and replies', async () => {
    const market = dead.config.apps.market.publicUrl;
    const post = await seedPost(dead.database.handle, { title: 'Shopping offline', html: body(market) });
    const page = await dead.app.inject({ url: `/${post.slug}/`, headers: html, cookies: visited });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Shopping offline</h1>');
    expect(page.body).toContain('<p>Nothing to buy here.</p>');
    expect(page.body).not.toContain('slot-product-cards');
    expect(page.body).not.toContain('slot-comments');
  });
});
