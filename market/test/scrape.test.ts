/**
 * Scraping against a local supplier site (three listing pages, a malformed item, a price that
 * does not parse, robots.txt disallowing /private/): counts of a first run, an unchanged second
 * run, price history, deactivation of a removed item, a failing supplier (retried, then the
 * run failed with the data intact), robots.txt obeyed, and never more requests in flight than
 * configured — as the supplier's server measured them.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apActivities, priceHistory, products } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { type SupplierSite, startSupplierSite } from '@rose-ash/shared/testing/supplier-site.ts';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { productImagesDir } from '../src/services/media-plugin.ts';

const fixturesDir = join(import.meta.dirname, 'fixtures/supplier-site');
const USER_AGENT = 'RoseAshTestBot/1.0 (+http://127.0.0.1/)';
let site: SupplierSite;
let t: TestApp;
let media: string;

const selectors = {
  item: 'li.product',
  sku: '@data-sku',
  name: '.name',
  price: '.price',
  unit: '.unit',
  image: 'img@src',
  link: 'a.product-link@href',
  description: '.description',
  category: '.category',
  stock: '.stock',
  next_page: 'a[rel=next]@href',
};

beforeAll(async () => {
  site = await startSupplierSite({ fixturesDir, latencyMs: 20 });
  media = mkdtempSync(join(tmpdir(), 'market-media-'));
  const config = testConfig({
    env: { MEDIA_DIR: media },
    overrides: {
      market: {
        scrapers: {
          'orchard-lane': {
            name: 'Orchard Lane Growers',
            start_urls: [`${site.url}/catalogue/`],
            selectors,
            delay_ms: 0,
            concurrency: 2,
            retries: 2,
            timeout_ms: 3_000,
            user_agent: USER_AGENT,
          },
        },
      },
    },
  });
  t = await buildTestApp(buildApp, { config });
});
afterAll(async () => {
  await t?.close();
  await site?.close();
  if (media) rmSync(media, { recursive: true, force: true });
});

const scrape = () => t.app.scrapers.run('orchard-lane', 'command');
const db = () => t.database.handle.db;
const productBySku = async (sku: string) =>
  (await db().select().from(products).where(eq(products.sku, sku)))[0] as typeof products.$inferSelect;
const page = (url: string) =>
  t.app.inject({ url, headers: { accept: 'text/html' }, cookies: { market_sso_checked: '1' } });

describe('scraping a supplier', () => {
  it('imports the catalogue: created, failed items with their reasons, images stored once', async () => {
    const run = await scrape();
    expect(run).toMatchObject({
      status: 'succeeded',
      trigger: 'command',
      complete: true,
      created: 11,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      failed: 2,
    });
    const messages = run.errors.map((e) => e.message).join('\n');
    expect(messages).toMatch(/without a usable SKU \(“Mystery box”\)/);
    expect(run.errors).toContainEqual(
      expect.objectContaining({
        sku: 'OL-008',
        url: `${site.url}/catalogue/page-2.html`,
        message: expect.stringMatching(/price does not parse: “Price on application”/),
      }),
    );
    // The unparseable price is not stored at all (never as 0).
    expect((await db().select().from(products).where(eq(products.sku, 'OL-008'))).length).toBe(0);

    const beetroot = await productBySku('OL-001');
    expect(beetroot).toMatchObject({
      name: 'Beetroot',
      pricePence: 180,
      unit: 'per bunch',
      stockQuantity: 24,
      isActive: true,
      sourceUrl: `${site.url}/products/ol-001.html`,
    });
    expect((await productBySku('OL-002')).stockQuantity).toBeNull();
    expect((await productBySku('OL-004')).stockQuantity).toBe(0);
    // One price_history row per product (its first price).
    expect(await t.database.handle.db.$count(priceHistory)).toBe(11);

    // Images are files in the media volume, served by the market, not hot-linked.
    expect(beetroot.imageUrl).toMatch(/^\/media\/market\/products\/[0-9a-f]{32}\.png$/);
    const file = join(productImagesDir(media), (beetroot.imageUrl as string).split('/').pop() as string);
    expect(existsSync(file)).toBe(true);
    const served = await t.app.inject({ url: beetroot.imageUrl as string });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');

    // Every request named us; robots.txt was read first and /private/ never fetched.
    expect(site.requests.every((r) => r.userAgent === USER_AGENT)).toBe(true);
    expect(site.requests[0]?.path).toBe('/robots.txt');
    expect(site.requests.some((r) => r.path.startsWith('/private/'))).toBe(false);
    expect(run.errors).toContainEqual(
      expect.objectContaining({ sku: 'OL-006', message: expect.stringMatching(/robots\.txt disallows/) }),
    );
    expect((await productBySku('OL-006')).imageUrl).toBeNull();
    // Concurrency per host as the supplier's server measured it: the configured 2, never more.
    expect(site.maxInFlight).toBe(2);

    // The product page is live.
    const res = await page(`/p/${beetroot.slug}/`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('£1.80');
  });

  it('changes nothing on a second run, downloading no image again', async () => {
    site.resetLog();
    const run = await scrape();
    expect(run).toMatchObject({
      status: 'succeeded',
      created: 0,
      updated: 0,
      unchanged: 11,
      deactivated: 0,
      failed: 2,
    });
    expect(site.requests.filter((r) => r.path.startsWith('/images/'))).toEqual([]);
    expect(await t.database.handle.db.$count(priceHistory)).toBe(11);
  });

  it('records a price change in price_history and shows it at once', async () => {
    const beetroot = await productBySku('OL-001');
    const before = await page(`/p/${beetroot.slug}/`);
    expect(before.body).toContain('£1.80');
    expect((await page(`/p/${beetroot.slug}/`)).headers['x-cache']).toBe('hit');

    site.setPage('/catalogue/', site.page('/catalogue/').replace('£1.80', '£1.95'));
    const run = await scrape();
    expect(run).toMatchObject({ status: 'succeeded', created: 0, updated: 1, unchanged: 10 });
    const history = await db()
      .select()
      .from(priceHistory)
      .where(eq(priceHistory.productId, beetroot.id))
      .orderBy(priceHistory.id);
    expect(history.map((h) => h.pricePence)).toEqual([180, 195]);
    expect(history[1]?.scrapeRunId).toBe(run.id);
    // The page cache was purged by the run.
    const after = await page(`/p/${beetroot.slug}/`);
    expect(after.headers['x-cache']).toBe('miss');
    expect(after.body).toContain('£1.95');
  });

  it('deactivates (never deletes) an item the supplier no longer lists, and its page says so', async () => {
    const html = site.page('/catalogue/page-3.html');
    site.setPage(
      '/catalogue/page-3.html',
      html.replace(/<li class="product" data-sku="OL-011">[\s\S]*?<\/li>/, ''),
    );
    const run = await scrape();
    expect(run).toMatchObject({ status: 'succeeded', complete: true, deactivated: 1, unchanged: 10 });
    const crispbread = await productBySku('OL-011');
    expect(crispbread.isActive).toBe(false);
    const res = await page(`/p/${crispbread.slug}/`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('no longer available');

    // Listed again: active again.
    site.setPage('/catalogue/page-3.html', html);
    const back = await scrape();
    expect(back).toMatchObject({ updated: 1, deactivated: 0 });
    expect((await productBySku('OL-011')).isActive).toBe(true);
  });

  it('retries a supplier answering 500, then fails the run with the previous data intact', async () => {
    const beforeRows = await db().select().from(products).orderBy(products.id);
    site.resetLog();
    site.failWith(500);
    // A change the failed run must not apply.
    const html = site.page('/catalogue/');
    site.setPage('/catalogue/', html.replace('£2.40', '£9.99'));
    let run: Awaited<ReturnType<typeof scrape>>;
    try {
      run = await scrape();
    } finally {
      site.recover();
      site.setPage('/catalogue/', html);
    }
    expect(run.status).toBe('failed');
    expect(run.complete).toBe(false);
    expect(run.errors[0]?.message).toMatch(/HTTP 500 \(after 3 attempts\)/);
    // robots.txt was asked three times (first try and two retries), and nothing after it.
    expect(site.requests.map((r) => r.path)).toEqual(['/robots.txt', '/robots.txt', '/robots.txt']);
    expect(await db().select().from(products).orderBy(products.id)).toEqual(beforeRows);
  });

  it('fails the run when a listing page fails midway, deactivating nothing', async () => {
    const html = site.page('/catalogue/page-3.html');
    site.files.delete('/catalogue/page-3.html');
    try {
      const run = await scrape();
      expect(run.status).toBe('failed');
      expect(run.errors[0]).toMatchObject({ url: `${site.url}/catalogue/page-3.html`, message: 'HTTP 404' });
    } finally {
      site.setPage('/catalogue/page-3.html', html);
    }
    expect((await productBySku('OL-012')).isActive).toBe(true);
  });

  it('announces the new products of a run in one Create(Note), and price changes not at all', async () => {
    const creates = await db()
      .select()
      .from(apActivities)
      .where(and(eq(apActivities.direction, 'out'), eq(apActivities.type, 'Create')));
    expect(creates).toHaveLength(1);
    const activity = creates[0]?.object as {
      actor: string;
      object: { type: string; content: string; attachment: { url: string; mediaType: string }[]; id: string };
    };
    expect(activity.actor).toBe(`${t.config.apps.market.publicUrl}/ap/actor`);
    expect(activity.object.type).toBe('Note');
    expect(activity.object.content).toContain('11 products');
    expect(activity.object.content).toContain('Beetroot</a> — £1.80 / per bunch');
    expect(activity.object.attachment).toHaveLength(4);
    expect(activity.object.attachment[0]?.url).toMatch(
      new RegExp(`^${t.config.apps.market.publicUrl}/media/market/products/`),
    );
    // The Note answers at its id.
    const id = new URL(activity.object.id).pathname;
    const note = await t.app.inject({ url: id, headers: { accept: 'application/activity+json' } });
    expect(note.statusCode).toBe(200);
    expect(note.json()).toMatchObject({ type: 'Note', id: activity.object.id });
    expect((await productBySku('OL-001')).announcedAt).not.toBeNull();
  });

  it('runs as the market.scrape job, and the schedule queues one per supplier', async () => {
    const result = await t.app.jobs.runNow('market.scrape', {
      supplier: 'orchard-lane',
      trigger: 'schedule',
    });
    expect(result).toMatchObject({ status: 'succeeded' });
    const [latest] = await t.app.services.market.listScrapeRuns({ limit: 1 });
    expect(latest).toMatchObject({ trigger: 'schedule', unchanged: 11, created: 0 });
    expect(await t.app.jobs.runNow('market.scrape-all', {})).toEqual({ queued: ['orchard-lane'] });
  });

  it('lists the runs on /admin/scrapes for admins only', async () => {
    const anonymous = await page('/admin/scrapes');
    expect(anonymous.statusCode).not.toBe(200);
  });
});
