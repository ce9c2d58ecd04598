/**
 * Market pages: a market's products with category counts, sort and pages; category pages;
 * product pages (price per unit, stock state, supplier, the add-to-basket form, Open Graph and
 * Product JSON-LD, related products); a deactivated product still answering; the sitemap.
 */
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
let seeded: Awaited<ReturnType<typeof seedCatalogue>>;
const html = { accept: 'text/html' };
const cookies = { market_sso_checked: '1' };
const get = (url: string) => t.app.inject({ url, headers: html, cookies });

beforeAll(async () => {
  t = await buildTestApp(buildApp, { config: testConfig({ overrides: { market: { page_size: 3 } } }) });
  seeded = await seedCatalogue(t.database.handle, {
    market: 'Harbour market',
    products: [
      { name: 'Rainbow chard', category: 'Vegetables', pricePence: 250, unit: 'bunch', stockQuantity: 20 },
      { name: 'New potatoes', category: 'Vegetables', pricePence: 180, unit: '1 kg', stockQuantity: 3 },
      { name: 'Wild garlic', category: 'Vegetables', pricePence: 150, unit: '100 g', stockQuantity: 0 },
      { name: 'Purple sprouting broccoli', category: 'Vegetables', pricePence: 300 },
      {
        name: 'Sourdough loaf',
        category: 'Bakery',
        pricePence: 420,
        unit: 'each',
        supplier: 'Town Bakery',
        description: 'Slow-risen <b>bread</b> & butter’s friend',
      },
      { name: 'Old cheddar', category: 'Dairy', pricePence: 500, isActive: false },
    ],
  });
});
afterAll(() => t?.close());

const slugOf = (name: string) => seeded.products.find((p) => p.name === name)?.slug as string;

describe('market page', () => {
  it('lists the active products, a page at a time, with counts per category', async () => {
    const res = await get(`/${seeded.market.slug}/`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Harbour market');
    expect(res.body).toContain('5 products');
    // Sorted by name, 3 per page: wild garlic is on page 2, the deactivated cheddar nowhere.
    expect(res.body).toContain('New potatoes');
    expect(res.body).not.toContain('Wild garlic');
    expect(res.body).not.toContain('Old cheddar');
    expect(res.body).toMatch(/Vegetables <span class="count">4<\/span>/);
    expect(res.body).toMatch(/Bakery <span class="count">1<\/span>/);
    expect(res.body).not.toMatch(/Dairy/);
    const page2 = await get(`/${seeded.market.slug}/?page=2`);
    expect(page2.body).toContain('Wild garlic');
    expect((await get(`/${seeded.market.slug}/?page=3`)).statusCode).toBe(404);
  });

  it('sorts by price both ways and by newest', async () => {
    const order = (body: string) =>
      [...body.matchAll(/class="product-card-name">([^<]+)</g)].map((m) => m[1]);
    expect(order((await get(`/${seeded.market.slug}/?sort=price-asc`)).body)).toEqual([
      'Wild garlic',
      'New potatoes',
      'Rainbow chard',
    ]);
    expect(order((await get(`/${seeded.market.slug}/?sort=price-desc`)).body)).toEqual([
      'Sourdough loaf',
      'Purple sprouting broccoli',
      'Rainbow chard',
    ]);
    expect((await get(`/${seeded.market.slug}/?sort=newest`)).statusCode).toBe(200);
    expect((await get(`/${seeded.market.slug}/?sort=cheapest`)).statusCode).toBe(400);
  });

  it('has category pages and 404s for unknown markets and categories', async () => {
    const category = seeded.products.find((p) => p.name === 'Sourdough loaf');
    const res = await get(`/${seeded.market.slug}/`);
    const link = /href="(\/[^"]+\/c\/[^"]+\/)"[^>]*>Bakery/.exec(res.body)?.[1] as string;
    const page = await get(link);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Sourdough loaf');
    expect(page.body).not.toContain('Rainbow chard');
    expect(category).toBeTruthy();
    expect((await get('/no-such-market/')).statusCode).toBe(404);
    expect((await get(`/${seeded.market.slug}/c/no-such-category/`)).statusCode).toBe(404);
    expect((await get('/Bad_Slug!/')).statusCode).toBe(404);
  });

  it('is page-cached for anonymous readers', async () => {
    const url = `/${seeded.market.slug}/?sort=name`;
    await get(url);
    expect((await get(url)).headers['x-cache']).toBe('hit');
  });
});

describe('product page', () => {
  it('shows the price per unit, stock, supplier and the add-to-basket form', async () => {
    const slug = slugOf('New potatoes');
    const res = await get(`/p/${slug}/`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('£1.80');
    expect(res.body).toContain('/ 1 kg');
    expect(res.body).toContain('Only 3 left');
    expect(res.body).toContain('Hill Farm');
    const cart = t.config.apps.cart.publicUrl;
    expect(res.body).toContain(`<form class="add-to-cart" method="post" action="${cart}/add">`);
    // The cart checks the Origin of the post, which a no-referrer policy would blank.
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    const product = seeded.products.find((p) => p.slug === slug);
    expect(res.body).toContain(`name="sku" value="${product?.sku}"`);
    expect(res.body).toContain(`name="return_to" value="${t.config.apps.market.publicUrl}/p/${slug}/"`);
    // Related: the other vegetables.
    expect(res.body).toContain('You might also like');
    expect(res.body).toContain('Rainbow chard');
  });

  it('carries Open Graph and Product JSON-LD that cannot break out of its script', async () => {
    const res = await get(`/p/${slugOf('Sourdough loaf')}/`);
    expect(res.body).toContain('<meta property="og:type" content="product">');
    expect(res.body).toContain('<meta property="product:price:amount" content="4.20">');
    const json = /<script type="application\/ld\+json">([^<]*)<\/script>/.exec(res.body)?.[1] as string;
    const doc = JSON.parse(json);
    expect(doc).toMatchObject({
      '@type': 'Product',
      name: 'Sourdough loaf',
      description: 'Slow-risen <b>bread</b> & butter’s friend',
      offers: { price: '4.20', priceCurrency: 'GBP', availability: 'https://schema.org/InStock' },
      brand: { name: 'Town Bakery' },
    });
    expect(json).not.toContain('<');
    // The description is shown escaped.
    expect(res.body).toContain('Slow-risen &lt;b&gt;bread&lt;/b&gt; &amp; butter');
  });

  it('says sold out and offers no form when none are left', async () => {
    const res = await get(`/p/${slugOf('Wild garlic')}/`);
    expect(res.body).toContain('Sold out');
    expect(res.body).not.toContain('class="add-to-cart"');
  });

  it('keeps a deactivated product reachable, saying it is no longer available', async () => {
    const res = await get(`/p/${slugOf('Old cheddar')}/`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('no longer available');
    expect(res.body).toContain('<meta name="robots" content="noindex">');
    expect(res.body).not.toContain('class="add-to-cart"');
    expect(res.body).toContain('https://schema.org/Discontinued');
  });

  it('answers an unknown slug with the 404 page', async () => {
    const res = await get('/p/no-such-product/');
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Page not found');
  });
});

describe('home and sitemap', () => {
  it('lists the markets with links that work', async () => {
    const res = await get('/');
    expect(res.body).toContain(`href="/${seeded.market.slug}/"`);
  });

  it('lists markets, categories and every product in /sitemap.xml', async () => {
    const res = await t.app.inject({ url: '/sitemap.xml' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/xml');
    const market = t.config.apps.market.publicUrl;
    expect(res.body).toContain(`<loc>${market}/${seeded.market.slug}/</loc>`);
    expect(res.body).toContain(`<loc>${market}/p/${slugOf('Old cheddar')}/</loc>`);
    expect(res.body).toMatch(new RegExp(`<loc>${market}/${seeded.market.slug}/c/[a-z0-9-]+/</loc>`));
  });
});
