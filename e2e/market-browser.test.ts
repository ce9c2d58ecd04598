/**
 * Browser journey through the market: the markets page → a market → a category → a search →
 * a product page → "Add to basket" (the cart app's POST /add) → back on the product page,
 * whose header's cart-mini count went up.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { launchChromium } from '../shared/src/testing/browser.ts';
import { seedCatalogue } from '../shared/test/fragments/seed.ts';

let cluster: Cluster;
let browser: Browser;

beforeAll(async () => {
  // A generous fragment budget: the header's cart-mini must not time out on a busy machine.
  cluster = await startCluster(['federation', 'market', 'cart'], {
    overrides: { fragments: { timeout_ms: 3_000 } },
  });
  await seedCatalogue(cluster.database.handle, {
    market: 'Journey market',
    products: [
      { name: 'Rainbow chard', category: 'Vegetables', pricePence: 250, unit: 'bunch', stockQuantity: 20 },
      { name: 'Red chard seedlings', category: 'Plants', pricePence: 300, unit: 'tray' },
      { name: 'New potatoes', category: 'Vegetables', pricePence: 180, unit: '1 kg', stockQuantity: 50 },
      { name: 'Sourdough loaf', category: 'Bakery', pricePence: 420, unit: 'each' },
    ],
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cluster?.close();
});

describe('market journey', () => {
  it('market → category → search → product → add to basket → the cart count goes up', async () => {
    const market = cluster.url('market');
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));

    await page.goto(`${market}/`);
    await page.getByRole('link', { name: 'Journey market' }).click();
    await page.waitForURL(/\/market-[^/]+\/$/);
    expect(await page.getByRole('status').first().textContent()).toContain('4 products');

    await page
      .getByRole('navigation', { name: 'Categories' })
      .getByRole('link', { name: /Vegetables/ })
      .click();
    await page.waitForURL(/\/c\/vegetables-[^/]+\/$/);
    await page.getByRole('heading', { level: 1, name: /Vegetables/ }).waitFor();
    expect(await page.locator('.product-card-name').allTextContents()).toEqual([
      'New potatoes',
      'Rainbow chard',
    ]);

    // Searching within the category: "chard" finds the vegetable, not the seedlings (Plants).
    await page.getByLabel(/^Search /).fill('chard');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\?q=chard/);
    expect(await page.locator('.product-card-name').allTextContents()).toEqual(['Rainbow chard']);
    expect(await page.locator('.product-card-name mark').first().textContent()).toBe('chard');

    await page.locator('.product-card-link').first().click();
    await page.waitForURL(/\/p\/rainbow-chard-[^/]+\/$/);
    await page.getByRole('heading', { level: 1, name: 'Rainbow chard' }).waitFor();
    expect(await page.locator('.product-price').textContent()).toContain('£2.50');
    const cartMini = page.locator('.slot-cart-mini .cart-mini');
    expect(await cartMini.getAttribute('data-count')).toBe('0');

    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to basket' }).click();
    // Back on the product page, with the cart's message and the header counting the two.
    await page.waitForURL(/\/p\/rainbow-chard-[^/]+\/$/);
    await page.getByText('Added “Rainbow chard” × 2 to your basket').waitFor();
    expect(await cartMini.getAttribute('data-count')).toBe('2');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
