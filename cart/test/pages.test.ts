/**
 * The cart's pages over real HTTP: the basket (quantities, remove, stock warnings, hostile
 * quantities), the sign-in merge, the checkout form's field errors, who may see an order, and
 * the orders admin.
 */

import { CART_COOKIE, INTERNAL_HEADERS } from '@rose-ash/shared/contracts/widgets.ts';
import { products } from '@rose-ash/shared/db/schema/index.ts';
import { Browser, formField } from '@rose-ash/shared/testing/http.ts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedProduct } from '../../shared/test/fragments/seed.ts';
import { orderToken } from '../src/services/order-links.ts';
import {
  type CartHarness,
  checkout,
  checkoutInput,
  member,
  newCartKey,
  orderNumberIn,
  shopper,
  startCartHarness,
} from './helpers.ts';

const ADMIN = 'boss@cart.test';
let h: CartHarness;
beforeAll(async () => {
  h = await startCartHarness({ ADMIN_EMAILS: ADMIN });
});
afterAll(async () => h?.close());

const cartMini = async (cartKey: string) =>
  (
    await fetch(`${h.url}/internal/fragments/cart-mini`, {
      headers: {
        [INTERNAL_HEADERS.token]: h.t.config.secrets.internalToken,
        [INTERNAL_HEADERS.cart]: cartKey,
      },
    })
  ).text();

/** A paid order placed by `userId` (or anonymously): its number. */
async function paidOrder(userId: number | null = null, email = 'payer@example.test') {
  const p = await seedProduct(h.t.database.handle, { name: 'Cheese', pricePence: 600, stockQuantity: 9 });
  const owner = userId ? { userId } : { cartKey: newCartKey() };
  await h.t.app.services.cart.addItem(owner, { sku: p.sku, quantity: 1 });
  const placed = await h.t.app.services.cart.checkout(owner, checkoutInput({ userId, email }));
  if (!placed.ok) throw new Error('checkout refused');
  const pay = await h.t.app.payments.pay(placed.order.number);
  if (pay.kind !== 'redirect') throw new Error(`pay: ${pay.kind}`);
  const id = pay.url.split('/pay/')[1] ?? '';
  h.stub.setStatus(id, 'PAID');
  await h.t.app.payments.syncOrder(placed.order.number);
  return placed.order.number;
}

describe('the basket', () => {
  it('shows lines, totals and stock warnings; updates and removes lines; cart-mini follows at once', async () => {
    const owner = { cartKey: newCartKey() };
    const jam = await seedProduct(h.t.database.handle, {
      name: 'Plum jam',
      pricePence: 450,
      stockQuantity: 10,
    });
    const bread = await seedProduct(h.t.database.handle, {
      name: 'Rye bread',
      pricePence: 380,
      stockQuantity: 3,
    });
    await h.t.app.services.cart.addItem(owner, { sku: jam.sku, quantity: 2 });
    await h.t.app.services.cart.addItem(owner, { sku: bread.sku, quantity: 3 });
    await h.t.database.handle.db.update(products).set({ stockQuantity: 1 }).where(eq(products.id, bread.id));
    const browser = await shopper(h, owner.cartKey);

    const page = await browser.get(`${h.url}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Plum jam');
    expect(page.text).toContain('£20.40');
    expect(page.text).toContain('Only 1 left');
    expect(page.text).not.toContain('href="/checkout"');

    const lineId = page.text.match(/action="\/lines\/(\d+)"/)?.[1] ?? '';
    const csrf = formField(page.text, '_csrf') ?? '';
    const updated = await browser.post(`${h.url}/lines/${lineId}`, { _csrf: csrf, quantity: '5' });
    expect(updated.status).toBe(200);
    expect(updated.text).toContain('Basket updated.');
    expect(await cartMini(owner.cartKey)).toContain('data-count="8"');

    const breadLine = [...updated.text.matchAll(/action="\/lines\/(\d+)\/remove"/g)][1]?.[1] ?? '';
    const removed = await browser.post(`${h.url}/lines/${breadLine}/remove`, { _csrf: csrf });
    expect(removed.text).toContain('Removed from your basket.');
    expect(removed.text).not.toContain('Rye bread');
    expect(removed.text).toContain('href="/checkout"');
    expect(await cartMini(owner.cartKey)).toContain('data-count="5"');
  });

  it.each(['0', '-1', '1000000000', 'abc', '', '2.5'])(
    'a quantity of %j is a form error naming the field, never a 5xx',
    async (quantity) => {
      const owner = { cartKey: newCartKey() };
      const p = await seedProduct(h.t.database.handle, { name: 'Oats' });
      await h.t.app.services.cart.addItem(owner, { sku: p.sku, quantity: 1 });
      const browser = await shopper(h, owner.cartKey);
      const page = await browser.get(`${h.url}/`);
      const lineId = page.text.match(/action="\/lines\/(\d+)"/)?.[1] ?? '';
      const res = await browser.post(`${h.url}/lines/${lineId}`, {
        _csrf: formField(page.text, '_csrf') ?? '',
        quantity,
      });
      expect(res.status).toBe(400);
      expect(res.text).toContain('class="field-error"');
      expect(res.text).toContain('aria-invalid="true"');
      expect((await h.t.app.services.cart.getCartSummary(owner)).itemCount).toBe(1);
    },
  );

  it('a quantity above the stock is refused with how many are left', async () => {
    const owner = { cartKey: newCartKey() };
    const p = await seedProduct(h.t.database.handle, { name: 'Figs', stockQuantity: 4 });
    await h.t.app.services.cart.addItem(owner, { sku: p.sku, quantity: 1 });
    const browser = await shopper(h, owner.cartKey);
    const page = await browser.get(`${h.url}/`);
    const lineId = page.text.match(/action="\/lines\/(\d+)"/)?.[1] ?? '';
    const res = await browser.post(`${h.url}/lines/${lineId}`, {
      _csrf: formField(page.text, '_csrf') ?? '',
      quantity: '9',
    });
    expect(res.text).toContain('only 4 left');
    expect((await h.t.app.services.cart.getCartSummary(owner)).itemCount).toBe(1);
  });

  it("merges the anonymous basket into the member's at their first cart request, capped by stock", async () => {
    const cartKey = newCartKey();
    const p = await seedProduct(h.t.database.handle, { name: 'Walnuts', stockQuantity: 4 });
    const { browser, userId } = await member(h, 'merger@cart.test');
    await h.t.app.services.cart.addItem({ userId }, { sku: p.sku, quantity: 3 });
    await h.t.app.services.cart.addItem({ cartKey }, { sku: p.sku, quantity: 3 });
    await browser.jar.setCookie(`${CART_COOKIE}=${cartKey}; Path=/`, h.url);

    const page = await browser.get(`${h.url}/`);
    expect(page.text).toContain('reduced to what is in stock: Walnuts');
    expect((await h.t.app.services.cart.getCartSummary({ userId })).itemCount).toBe(4);
    // The retired key is cleared from the browser.
    expect((await browser.cookies(h.url)).some((c) => c.key === CART_COOKIE && c.value)).toBe(false);
    const again = await browser.get(`${h.url}/`);
    expect(again.text).not.toContain('reduced to what is in stock');
    expect((await h.t.app.services.cart.getCartSummary({ userId })).itemCount).toBe(4);
  });
});

describe('the checkout form', () => {
  it('prefills a member’s e-mail and shows field errors for what is missing or wrong', async () => {
    const { browser, userId } = await member(h, 'form-filler@cart.test');
    const p = await seedProduct(h.t.database.handle, { name: 'Kale' });
    await h.t.app.services.cart.addItem({ userId }, { sku: p.sku, quantity: 1 });
    const form = await browser.get(`${h.url}/checkout`);
    expect(formField(form.text, 'email')).toBe('form-filler@cart.test');
    // The form is answered with a redirect to SumUp's page, which form-action must allow.
    const csp = form.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/form-action [^;]*https:\/\/\*\.sumup\.com/);
    expect(csp).toMatch(new RegExp(`form-action [^;]*${h.stub.url.replaceAll('.', '\\.')}`));

    const bad = await checkout(h, browser, {
      email: 'not-an-address',
      name: '',
      fulfilment: 'delivery',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter an e-mail address');
    expect(bad.text).toContain('Enter your name');
    expect(formField(bad.text, 'email')).toBe('not-an-address');

    const noAddress = await checkout(h, browser, { fulfilment: 'delivery' });
    expect(noAddress.status).toBe(400);
    expect(noAddress.text).toContain('Enter the first line of the address');
    expect(noAddress.text).toContain('Enter the postcode');
    const noPoint = await checkout(h, browser, { collection_point: 'nowhere' });
    expect(noPoint.status).toBe(400);
    expect(noPoint.text).toContain('Choose where to collect your order');
    const hostile = await checkout(h, browser, { notes: 'x'.repeat(5_000), fulfilment: 'teleport' });
    expect(hostile.status).toBe(400);
    expect((await h.t.app.services.cart.getCartSummary({ userId })).itemCount).toBe(1);

    const delivered = await checkout(h, browser, {
      fulfilment: 'delivery',
      address_line1: '1 Orchard Lane',
      city: 'Appleby',
      postcode: 'ab1 2cd',
      notes: 'Leave by the gate <b>please</b>',
    });
    expect(delivered.status).toBe(303);
    const number = h.stub.byReference(
      [...h.stub.checkouts.values()].at(-1)?.checkout_reference ?? '',
    )?.checkout_reference;
    const order = await h.t.app.services.cart.getOrder(orderNumberIn(number ?? ''));
    expect(order).toMatchObject({
      fulfilment: 'delivery',
      deliveryPence: 450,
      address: { line1: '1 Orchard Lane', city: 'Appleby', postcode: 'AB1 2CD', country: 'GB' },
      userId,
    });
    const page = await browser.get(`${h.url}/orders/${order?.number}`);
    expect(page.text).toContain('Leave by the gate &lt;b&gt;please&lt;/b&gt;');
  });

  it('says which line sold out while the shopper was filling the form', async () => {
    const owner = { cartKey: newCartKey() };
    const p = await seedProduct(h.t.database.handle, { name: 'Last lemon cake', stockQuantity: 1 });
    await h.t.app.services.cart.addItem(owner, { sku: p.sku, quantity: 1 });
    const browser = await shopper(h, owner.cartKey);
    const form = await browser.get(`${h.url}/checkout`);
    await h.t.database.handle.db.update(products).set({ stockQuantity: 0 }).where(eq(products.id, p.id));
    const res = await browser.post(`${h.url}/checkout`, {
      _csrf: formField(form.text, '_csrf') ?? '',
      email: 'late@example.test',
      name: 'Late Larry',
      fulfilment: 'collection',
      collection_point: 'hill-farm',
    });
    expect(res.status).toBe(409);
    expect(res.text).toContain('“Last lemon cake” is sold out');
    expect(res.text).toContain('Nothing was reserved or charged');
  });
});

describe('who may see an order', () => {
  it('its member, the holder of its signed link, and admins; everyone else gets a 404', async () => {
    const owner = await member(h, 'owner@cart.test');
    const number = await paidOrder(owner.userId, 'owner@cart.test');
    const path = `${h.url}/orders/${number}`;
    expect((await owner.browser.get(path)).status).toBe(200);
    expect((await new Browser().get(path)).status).toBe(404);
    expect((await new Browser().get(`${path}?t=${'A'.repeat(32)}`)).status).toBe(404);
    const withLink = await new Browser().get(`${path}?t=${orderToken(h.t.config, number)}`);
    expect(withLink.status).toBe(200);
    expect(withLink.text).toContain('data-status="paid"');
    expect(withLink.text).not.toContain('http-equiv="refresh"');
    expect((await (await member(h, 'someone-else@cart.test')).browser.get(path)).status).toBe(404);
    expect((await (await member(h, ADMIN)).browser.get(path)).status).toBe(200);
    expect((await new Browser().get(`${h.url}/orders/not-a-number`)).status).toBe(404);
    expect((await new Browser().get(`${h.url}/orders/RA-2026-999999?t=x`)).status).toBe(404);

    // account's order history (cart.getOrdersForUser) sees it.
    const mine = await h.t.app.services.cart.getOrdersForUser(owner.userId);
    expect(mine.map((o) => [o.number, o.status])).toEqual([[number, 'paid']]);
  });
});

describe('the orders admin', () => {
  it('lists, filters, searches and shows orders; fulfils, notes refunds; members are refused', async () => {
    const number = await paidOrder(null, 'findme@example.test');
    const admin = (await member(h, ADMIN)).browser;
    expect((await (await member(h, 'nosy@cart.test')).browser.get(`${h.url}/admin/orders`)).status).toBe(403);
    const list = await admin.get(`${h.url}/admin/orders?status=paid`);
    expect(list.status).toBe(200);
    expect(list.text).toContain(number);
    expect((await admin.get(`${h.url}/admin/orders?status=refunded`)).text).not.toContain(number);
    expect((await admin.get(`${h.url}/admin/orders?q=FINDME@`)).text).toContain(number);
    expect((await admin.get(`${h.url}/admin/orders?q=%25`)).status).toBe(200);
    expect((await admin.get(`${h.url}/admin/orders?status=bogus`)).status).toBe(400);

    const detail = await admin.get(`${h.url}/admin/orders/${number}`);
    expect(detail.text).toContain(`${number}-1`);
    expect(detail.text).toContain('Mark collected');
    const csrf = formField(detail.text, '_csrf') ?? '';
    const emptyNote = await admin.post(`${h.url}/admin/orders/${number}/refund`, { _csrf: csrf, note: ' ' });
    expect(emptyNote.status).toBe(400);
    expect(emptyNote.text).toContain('Say what was refunded');
    const fulfilled = await admin.post(`${h.url}/admin/orders/${number}/fulfil`, { _csrf: csrf });
    expect(fulfilled.text).toContain('Marked as handed over.');
    expect((await h.t.app.services.cart.getOrder(number))?.status).toBe('fulfilled');
    const again = await admin.post(`${h.url}/admin/orders/${number}/fulfil`, { _csrf: csrf });
    expect(again.status).toBe(409);
    const refunded = await admin.post(`${h.url}/admin/orders/${number}/refund`, {
      _csrf: csrf,
      note: '£6 refunded in SumUp on request',
    });
    expect(refunded.text).toContain('Refund noted');
    expect((await h.t.app.services.cart.getOrder(number))?.refundNote).toBe(
      '£6 refunded in SumUp on request',
    );
  });

  it('shows flagged orders and lets an admin clear the flag', async () => {
    const p = await seedProduct(h.t.database.handle, { stockQuantity: 2 });
    const owner = { cartKey: newCartKey() };
    await h.t.app.services.cart.addItem(owner, { sku: p.sku, quantity: 1 });
    const browser = await shopper(h, owner.cartKey);
    const res = await checkout(h, browser);
    const id = (res.headers.get('location') ?? '').split('/pay/')[1] ?? '';
    h.stub.tamper(id, { amount: 999 });
    h.stub.setStatus(id, 'PAID');
    const number = orderNumberIn(h.stub.checkouts.get(id)?.checkout_reference ?? '');
    await h.t.app.payments.syncOrder(number);

    const admin = (await member(h, ADMIN)).browser;
    const list = await admin.get(`${h.url}/admin/orders`);
    expect(list.text).toMatch(/\d+ flagged order/);
    expect((await admin.get(`${h.url}/admin/orders?status=flagged`)).text).toContain(number);
    const detail = await admin.get(`${h.url}/admin/orders/${number}`);
    expect(detail.text).toContain('does not match the order');
    const cleared = await admin.post(`${h.url}/admin/orders/${number}/clear-flag`, {
      _csrf: formField(detail.text, '_csrf') ?? '',
    });
    expect(cleared.text).toContain('Flag cleared.');
    expect((await admin.get(`${h.url}/admin/orders?status=flagged`)).text).not.toContain(number);
  });
});
