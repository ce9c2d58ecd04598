import { CART_COOKIE, INTERNAL_HEADERS } from '@rose-ash/shared/contracts/widgets.ts';
import { FLASH_COOKIE } from '@rose-ash/shared/infrastructure/flash.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedProduct } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
let market: string;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
  market = t.config.apps.market.publicUrl;
});
afterAll(async () => t?.close());

const form = (fields: Record<string, string>) => ({
  payload: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
});

describe('POST /add', () => {
  it('adds to a new anonymous basket from a market page and goes back there with a message', async () => {
    const product = await seedProduct(t.database.handle, { name: 'Oat milk', pricePence: 180 });
    const back = `${market}/p/${product.slug}/`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/add',
      ...form({ sku: product.sku, quantity: '2', return_to: back }),
      headers: { ...form({}).headers, origin: market },
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(back);
    const cartKey = res.cookies.find((c) => c.name === CART_COOKIE);
    expect(cartKey?.httpOnly).toBe(true);
    expect(cartKey?.sameSite).toBe('Lax');
    const flash = res.cookies.find((c) => c.name === FLASH_COOKIE);
    expect(flash).toBeTruthy();

    // The header's cart-mini for that browser counts the two.
    const mini = await t.app.inject({
      url: '/internal/fragments/cart-mini',
      headers: {
        [INTERNAL_HEADERS.token]: t.config.secrets.internalToken,
        [INTERNAL_HEADERS.cart]: cartKey!.value,
      },
    });
    expect(mini.body).toContain('data-count="2"');

    // The next page shows the message once.
    const cookies = { [FLASH_COOKIE]: flash!.value, [CART_COOKIE]: cartKey!.value, cart_sso_checked: '1' };
    const page = await t.app.inject({ url: '/', cookies, headers: { accept: 'text/html' } });
    expect(page.body).toContain('Added “Oat milk” × 2 to your basket');
    expect(page.cookies.find((c) => c.name === FLASH_COOKIE)?.value).toBe('');
  });

  it('refuses a post that does not come from one of our pages', async () => {
    const product = await seedProduct(t.database.handle);
    const body = form({ sku: product.sku });
    for (const headers of [
      {},
      { origin: 'https://evil.example' },
      { origin: market, 'sec-fetch-site': 'cross-site' },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/add',
        ...body,
        headers: { ...body.headers, ...headers },
      });
      expect(res.statusCode).toBe(403);
    }
  });

  it('says why an item cannot be added, never goes back off-site, and answers JSON callers', async () => {
    const gone = await seedProduct(t.database.handle, { isActive: false });
    const res = await t.app.inject({
      method: 'POST',
      url: '/add',
      ...form({ sku: gone.sku, return_to: 'https://evil.example/' }),
      headers: { ...form({}).headers, origin: market },
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${t.config.apps.cart.publicUrl}/`);
    const json = await t.app.inject({
      method: 'POST',
      url: '/add',
      payload: { sku: 'NO-SUCH-SKU' },
      headers: { origin: market, accept: 'application/json' },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.message).toContain('not for sale');
    const neither = await t.app.inject({
      method: 'POST',
      url: '/add',
      ...form({ quantity: '1' }),
      headers: { ...form({}).headers, origin: market },
    });
    expect(neither.statusCode).toBe(400);
  });
});
