/**
 * The `product-cards` fragment: cards with live price and stock for given SKUs (in that order)
 * or a market's first products; internal only; and a product change drops the cached copies,
 * so the next request shows the new price.
 */

import { INTERNAL_HEADERS } from '@rose-ash/shared/contracts/widgets.ts';
import { suppliers } from '@rose-ash/shared/db/schema/index.ts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../../dev/src/cluster.ts';
import { seedCatalogue, seedPost } from '../../shared/test/fragments/seed.ts';

let cluster: Cluster;
let seeded: Awaited<ReturnType<typeof seedCatalogue>>;

beforeAll(async () => {
  cluster = await startCluster(['market', 'blog']);
  seeded = await seedCatalogue(cluster.database.handle, {
    market: 'Cards market',
    products: [
      {
        name: 'Plum jam',
        pricePence: 350,
        unit: '340 g jar',
        stockQuantity: 2,
        imageUrl: '/media/market/products/a.png',
      },
      { name: 'Damson gin', pricePence: 2200, unit: '50 cl', stockQuantity: 0 },
      { name: 'Apple juice', pricePence: 300, unit: '1 l' },
      { name: 'Old cheddar', pricePence: 500, isActive: false },
    ],
  });
});
afterAll(() => cluster?.close());

const market = () => cluster.url('market');
const fragment = (query: string, token = cluster.config.secrets.internalToken) =>
  fetch(`${market()}/internal/fragments/product-cards?${query}`, {
    headers: { [INTERNAL_HEADERS.token]: token },
  });
const sku = (name: string) => seeded.products.find((p) => p.name === name)?.sku as string;

describe('product-cards fragment', () => {
  it('renders the SKUs asked for, in order, with price per unit, stock and absolute links', async () => {
    const res = await fragment(`skus=${sku('Damson gin')},${sku('Plum jam')},NO-SUCH-SKU`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const order = [...html.matchAll(/data-sku="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([sku('Damson gin'), sku('Plum jam')]);
    expect(html).toContain('£22.00');
    expect(html).toContain('/ 50 cl');
    expect(html).toContain('Sold out');
    expect(html).toContain('Only 2 left');
    const jam = seeded.products.find((p) => p.name === 'Plum jam');
    expect(html).toContain(`href="${market()}/p/${jam?.slug}/"`);
    expect(html).toContain(`src="${market()}/media/market/products/a.png"`);
    // Self-contained: it brings its own few styles.
    expect(html).toContain('<style>.product-cards');
  });

  it('renders products asked for by slug, in order (what the blog asks for)', async () => {
    const slug = (name: string) => seeded.products.find((p) => p.name === name)?.slug as string;
    const res = await fragment(`slugs=${slug('Apple juice')},no-such-product,${slug('Plum jam')}`);
    expect(res.status).toBe(200);
    const order = [...(await res.text()).matchAll(/data-sku="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([sku('Apple juice'), sku('Plum jam')]);
  });

  it("shows on a blog post that links to the product, with the market's live price", async () => {
    const jam = seeded.products.find((p) => p.name === 'Plum jam');
    const post = await seedPost(cluster.database.handle, {
      title: 'Jam season',
      html: `<p>Our <a href="${market()}/p/${jam?.slug}/">plum jam</a> is back.</p><p>More soon.</p>`,
    });
    const page = await fetch(`${cluster.url('blog')}/${post.slug}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const card = html.indexOf(`data-sku="${jam?.sku}"`);
    expect(card).toBeGreaterThan(html.indexOf('plum jam</a> is back.</p>'));
    expect(card).toBeLessThan(html.indexOf('<p>More soon.</p>'));
    expect(html).toContain('£3.50');
  });

  it('says when a linked product is no longer available', async () => {
    const html = await (await fragment(`skus=${sku('Old cheddar')}`)).text();
    expect(html).toContain('No longer available');
  });

  it("renders a market's first active products, up to the limit", async () => {
    const html = await (await fragment(`market=${seeded.market.slug}&limit=2`)).text();
    expect([...html.matchAll(/class="product-card-name">([^<]+)</g)].map((m) => m[1])).toEqual([
      'Apple juice',
      'Damson gin',
    ]);
    expect(await (await fragment('market=no-such-market')).text()).toBe('');
  });

  it('is internal only and checks its query', async () => {
    expect((await fragment(`skus=${sku('Plum jam')}`, 'x'.repeat(40))).status).toBe(403);
    expect((await fragment('limit=3')).status).toBe(400);
    expect((await fragment(`skus=${'a,'.repeat(30)}a`)).status).toBe(400);
  });

  it('shows a new price on the first request after the change', async () => {
    const app = cluster.apps.market!;
    const request = { name: 'product-cards' as const, params: { skus: sku('Plum jam') } };
    expect(await app.fragments.fetch(request)).toContain('£3.50');
    // Cached now: the same copy again.
    expect(await app.fragments.fetch(request)).toContain('£3.50');

    // The supplier's next scrape lists it at a new price.
    const jam = seeded.products.find((p) => p.name === 'Plum jam') as (typeof seeded.products)[number];
    const [supplier] = await cluster.database.handle.db
      .select()
      .from(suppliers)
      .where(eq(suppliers.id, jam.supplierId));
    const runId = await app.services.market.startScrapeRun(supplier?.slug as string, 'command');
    const run = await app.services.market.finishScrapeRun(runId, {
      status: 'succeeded',
      complete: false,
      failed: 0,
      errors: [],
      items: [
        {
          sku: jam.sku,
          name: jam.name,
          description: null,
          pricePence: 375,
          unit: jam.unit,
          images: jam.images,
          sourceUrl: null,
          category: null,
        },
      ],
    });
    expect(run).toMatchObject({ updated: 1, deactivated: 0 });
    expect(await app.fragments.fetch(request)).toContain('£3.75');
  });
});
