import { join } from 'node:path';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { type GhostStub, startGhostStub } from '@rose-ash/shared/testing/ghost-stub.ts';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';

let stub: GhostStub;
let t: TestApp;
const html = { accept: 'text/html' };

beforeAll(async () => {
  stub = await startGhostStub({ fixturesDir: join(import.meta.dirname, 'fixtures/ghost') });
  t = await buildTestApp(buildApp, {
    config: testConfig({ env: { GHOST_URL: stub.url, GHOST_ADMIN_API_KEY: stub.adminApiKey } }),
  });
  await t.app.ghostSync!.runFull();
});
afterAll(async () => {
  await t?.close();
  await stub?.close();
});

const parser = new XMLParser({ ignoreAttributes: false });

describe('reader pages over synced Ghost content', () => {
  it('lists a tag and an author archive, without drafts', async () => {
    const tag = await t.app.inject({ url: '/tag/sync-test/', headers: html });
    expect(tag.statusCode).toBe(200);
    expect(tag.body).toContain('Sync Test');
    expect(tag.body).toContain('href="/seed-post-1/"');
    expect(tag.body).not.toContain('seed-post-2'); // a draft
    expect(tag.body).toContain('/tag/sync-test/rss/');

    const author = await t.app.inject({ url: '/author/sync/', headers: html });
    expect(author.statusCode).toBe(200);
    expect(author.body).toContain('href="/coming-soon/"');
    expect(author.body).toContain('href="/seed-post-1/"');
  });

  it('answers unknown tags, authors and pages past the end with the 404 page', async () => {
    for (const url of ['/tag/nope/', '/author/nope/', '/tag/sync-test/?page=99', '/tag/Bad Slug/']) {
      const res = await t.app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(404);
      expect(res.body).toContain('Page not found');
    }
    // A page number that is not one breaks the route's contract: a clear 400, naming the field.
    for (const url of ['/tag/news/?page=x', '/?page=0', '/search?q=a&page=-1']) {
      const res = await t.app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(400);
      expect(res.body).toContain('<code>page</code>');
    }
  });

  it('finds a post by a word from its body, with a highlighted snippet', async () => {
    const res = await t.app.inject({ url: '/search?q=brand', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('href="/coming-soon/"');
    expect(res.body).toContain('<mark>brand</mark>');
    const none = await t.app.inject({ url: '/search?q=zebrafish', headers: html });
    expect(none.body).toContain('0 results');
    // Operators and stray quotes are just words to websearch_to_tsquery: never a 500.
    const odd = await t.app.inject({ url: `/search?q=${encodeURIComponent('"a & (b | !c')}`, headers: html });
    expect(odd.statusCode).toBe(200);
    const long = await t.app.inject({ url: `/search?q=${'x'.repeat(500)}`, headers: html });
    expect(long.statusCode).toBe(400);
  });

  it('serves RSS 2.0 for the site, a tag and an author', async () => {
    for (const url of ['/rss/', '/tag/sync-test/rss/', '/author/sync/rss/']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('application/rss+xml');
      const doc = parser.parse(res.body);
      expect(doc.rss['@_version']).toBe('2.0');
      const items = [doc.rss.channel.item].flat().filter(Boolean);
      expect(items.length, url).toBeGreaterThan(0);
      for (const item of items)
        expect(item.link).toMatch(new RegExp(`^${t.config.apps.blog.publicUrl}/[a-z0-9-]+/$`));
    }
    const site = parser.parse((await t.app.inject({ url: '/rss/' })).body);
    const titles = [site.rss.channel.item].flat().map((i: { title: string }) => i.title);
    expect(titles).toContain('Coming soon');
    expect(titles.some((x: string) => /seed post 2/i.test(x))).toBe(false);
  });

  it('lists every published post and page in the sitemap', async () => {
    const res = await t.app.inject({ url: '/sitemap.xml' });
    expect(res.statusCode).toBe(200);
    const doc = parser.parse(res.body);
    const locs = [doc.urlset.url].flat().map((u: { loc: string }) => u.loc);
    const base = t.config.apps.blog.publicUrl;
    for (const slug of ['seed-post-1', 'coming-soon', 'probe-page', 'about'])
      expect(locs).toContain(`${base}/${slug}/`);
    expect(locs).not.toContain(`${base}/seed-post-2/`);
    expect(locs).toContain(`${base}/tag/news/`);
  });
});

describe('post and page pages', () => {
  it('renders a post with Open Graph, Twitter and canonical meta, reading time and its tags', async () => {
    const res = await t.app.inject({ url: '/coming-soon/', headers: html });
    expect(res.statusCode).toBe(200);
    const base = t.config.apps.blog.publicUrl;
    expect(res.body).toContain(`<link rel="canonical" href="${base}/coming-soon/">`);
    expect(res.body).toContain('<meta property="og:type" content="article">');
    expect(res.body).toContain('<meta property="og:title" content="Coming soon">');
    expect(res.body).toMatch(/<meta name="twitter:card" content="summary(_large_image)?">/);
    expect(res.body).toMatch(/<meta property="article:published_time" content="2026-11-26T21:32:47/);
    expect(res.body).toMatch(/\d+ min read/);
    expect(res.body).toContain('href="/tag/news/"');
    expect(res.body).toContain('href="/author/sync/"');
  });

  it('serves pages at their slug, and nothing for drafts', async () => {
    const page = await t.app.inject({ url: '/about/', headers: html });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<meta property="og:type" content="website">');
    expect((await t.app.inject({ url: '/seed-post-2/', headers: html })).statusCode).toBe(404);
  });
});

describe('home page', () => {
  it('is paginated with the configured page size', async () => {
    const small = await buildTestApp(buildApp, {
      config: testConfig({
        env: { GHOST_URL: stub.url, GHOST_ADMIN_API_KEY: stub.adminApiKey },
        overrides: { blog: { posts_per_page: 1 } },
      }),
    });
    try {
      await small.app.ghostSync!.runFull();
      const first = await small.app.inject({ url: '/', headers: html });
      expect(first.statusCode).toBe(200);
      expect(first.body).toContain('Page 1 of 2');
      expect(first.body).toContain('href="/?page=2"');
      const second = await small.app.inject({ url: '/?page=2', headers: html });
      expect(second.statusCode).toBe(200);
      expect(second.body).toContain('rel="prev"');
      expect((await small.app.inject({ url: '/?page=3', headers: html })).statusCode).toBe(404);
      expect((await small.app.inject({ url: '/?page=abc', headers: html })).statusCode).toBe(400);
    } finally {
      await small.close();
    }
  });
});
