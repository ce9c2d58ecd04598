import { INTERNAL_HEADERS } from '@rose-ash/shared/contracts/widgets.ts';
import { encodeUserHeader } from '@rose-ash/shared/infrastructure/fragments.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedProduct, seedUser } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
});
afterAll(async () => t?.close());

describe('cart-mini fragment', () => {
  it("shows the anonymous cart's or the member's count, trusting their headers only with the token", async () => {
    const product = await seedProduct(t.database.handle, { pricePence: 400 });
    const cartKey = 'cart_mini_test_key_0001';
    await t.app.services.cart.addItem({ cartKey }, { sku: product.sku, quantity: 2 });
    const user = await seedUser(t.database.handle);
    await t.app.services.cart.addItem({ userId: user.id }, { sku: product.sku, quantity: 5 });
    const token = { [INTERNAL_HEADERS.token]: t.config.secrets.internalToken };

    expect(
      (
        await t.app.inject({
          url: '/internal/fragments/cart-mini',
          headers: { [INTERNAL_HEADERS.cart]: cartKey },
        })
      ).statusCode,
    ).toBe(403);

    const anon = await t.app.inject({
      url: '/internal/fragments/cart-mini',
      headers: { ...token, [INTERNAL_HEADERS.cart]: cartKey },
    });
    expect(anon.statusCode).toBe(200);
    expect(anon.body).toContain('data-count="2"');
    expect(anon.body).toMatch(/8\.00/);

    const member = await t.app.inject({
      url: '/internal/fragments/cart-mini',
      headers: {
        ...token,
        [INTERNAL_HEADERS.user]: encodeUserHeader({
          id: user.id,
          email: user.email,
          name: null,
          username: null,
          isAdmin: false,
        }),
      },
    });
    expect(member.body).toContain('data-count="5"');

    const nobody = await t.app.inject({ url: '/internal/fragments/cart-mini', headers: token });
    expect(nobody.body).toContain('data-count="0"');
    // A malformed cart key is not looked up at all.
    const bad = await t.app.inject({
      url: '/internal/fragments/cart-mini',
      headers: { ...token, [INTERNAL_HEADERS.cart]: 'x' },
    });
    expect(bad.body).toContain('data-count="0"');
  });
});
