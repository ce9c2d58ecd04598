/**
 * Checkout holds stock atomically: real concurrent checkouts against one product (and one
 * ticket type) sell exactly what there is, the rest get a clear "sold out", and the stock
 * never goes below zero. Merging an anonymous cart at sign-in sums quantities, capped by stock.
 */
import { randomBytes } from 'node:crypto';
import type { CheckoutInputDto } from '@rose-ash/shared/contracts/dtos.ts';
import { orders, products, stockReservations, ticketTypes } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { requirePostgres } from '@rose-ash/shared/testing/database.ts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEntry, seedProduct, seedUser } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
});
afterAll(async () => t?.close());

const newKey = () => randomBytes(18).toString('base64url');
const input = (over: Partial<CheckoutInputDto> = {}): CheckoutInputDto => ({
  email: 'shopper@example.test',
  name: 'Sam Shopper',
  fulfilment: 'collection',
  collectionPoint: 'Town Square stall',
  address: null,
  notes: null,
  deliveryPence: 0,
  userId: null,
  ...over,
});

describe('checkout', () => {
  it('creates an order with a readable number, lines priced now, stock held and the cart emptied', async () => {
    const cart = t.app.services.cart;
    const apples = await seedProduct(t.database.handle, {
      name: 'Apples',
      pricePence: 300,
      stockQuantity: 5,
    });
    const { ticketType } = await seedEntry(
      t.database.handle,
      { type: 'market', id: 1 },
      { title: 'Cider walk', ticketQuantity: 4 },
    );
    const owner = { cartKey: newKey() };
    expect((await cart.addItem(owner, { sku: apples.sku, quantity: 2 })).ok).toBe(true);
    expect((await cart.addItem(owner, { ticketTypeId: ticketType.id, quantity: 3 })).ok).toBe(true);
    // The price changes after it went into the cart: the order charges today's.
    await t.database.handle.db.update(products).set({ pricePence: 320 }).where(eq(products.id, apples.id));
    const summary = await cart.getCartSummary(owner);
    expect(summary.lines[0]).toMatchObject({ unitPricePence: 320, priceChanged: true, available: 5 });

    const result = await cart.checkout(owner, input());
    if (!result.ok) throw new Error(`checkout refused: ${JSON.stringify(result)}`);
    const { order } = result;
    expect(order.number).toMatch(/^RA-\d{4}-\d{6}$/);
    expect(order.status).toBe('pending');
    expect(order.items.map((i) => [i.name, i.quantity, i.unitPricePence])).toEqual([
      ['Apples', 2, 320],
      ['Cider walk — Standard', 3, 1000],
    ]);
    expect(order).toMatchObject({ subtotalPence: 3640, deliveryPence: 0, totalPence: 3640, currency: 'GBP' });
    expect(order.collectionPoint).toBe('Town Square stall');

    const [stock] = await t.database.handle.db
      .select({ n: products.stockQuantity })
      .from(products)
      .where(eq(products.id, apples.id));
    expect(stock?.n).toBe(3);
    const [type] = await t.database.handle.db
      .select({ reserved: ticketTypes.reserved, sold: ticketTypes.sold })
      .from(ticketTypes)
      .where(eq(ticketTypes.id, ticketType.id));
    expect(type).toEqual({ reserved: 3, sold: 0 });
    // The event's pages count held places as taken.
    const entry = await t.app.services.calendar.getEntryById(ticketType.entryId);
    expect(entry?.ticketTypes[0]?.remaining).toBe(1);
    expect(entry?.placesLeft).toBe(1);
    const held = await t.database.handle.db
      .select()
      .from(stockReservations)
      .where(eq(stockReservations.orderId, order.id));
    expect(held.map((h) => h.status)).toEqual(['held', 'held']);
    expect((await cart.getCartSummary(owner)).itemCount).toBe(0);
    expect(await cart.checkout(owner, input())).toEqual({ ok: false, reason: 'empty' });
  });

  it('refuses the whole checkout, naming the line, when one line cannot be held; nothing is half-held', async () => {
    const cart = t.app.services.cart;
    const plenty = await seedProduct(t.database.handle, { name: 'Pears', stockQuantity: 10 });
    const scarce = await seedProduct(t.database.handle, { name: 'Quinces', stockQuantity: 1 });
    const owner = { cartKey: newKey() };
    await cart.addItem(owner, { sku: plenty.sku, quantity: 2 });
    await cart.addItem(owner, { sku: scarce.sku, quantity: 1 });
    // Someone else takes the last quince first.
    await t.database.handle.db.update(products).set({ stockQuantity: 0 }).where(eq(products.id, scarce.id));

    const result = await cart.checkout(owner, input());
    expect(result).toMatchObject({
      ok: false,
      reason: 'unavailable',
      lines: [{ name: 'Quinces', reason: 'sold-out', available: 0 }],
    });
    const [pears] = await t.database.handle.db
      .select({ n: products.stockQuantity })
      .from(products)
      .where(eq(products.id, plenty.id));
    expect(pears?.n).toBe(10);
    expect((await cart.getCartSummary(owner)).itemCount).toBe(3);
    expect((await cart.getCartSummary(owner)).lines[1]?.problem).toBe('sold-out');
  });

  it('200 concurrent checkouts for a product with stock 10: exactly 10 orders, 190 sold out, stock 0', async (context) => {
    requirePostgres(context, 'concurrent transactions contend for one product row');
    const cart = t.app.services.cart;
    const product = await seedProduct(t.database.handle, { name: 'Last loaves', stockQuantity: 10 });
    const owners = Array.from({ length: 200 }, () => ({ cartKey: newKey() }));
    await Promise.all(owners.map((o) => cart.addItem(o, { sku: product.sku, quantity: 1 })));

    const results = await Promise.all(owners.map((o) => cart.checkout(o, input())));
    const placed = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    expect(placed).toHaveLength(10);
    expect(refused).toHaveLength(190);
    for (const r of refused)
      expect(r).toMatchObject({
        reason: 'unavailable',
        lines: [{ name: 'Last loaves', reason: 'sold-out' }],
      });
    const [row] = await t.database.handle.db
      .select({ n: products.stockQuantity })
      .from(products)
      .where(eq(products.id, product.id));
    expect(row?.n).toBe(0);
    const numbers = new Set(placed.map((r) => (r.ok ? r.order.number : '')));
    expect(numbers.size).toBe(10);
  });

  it('the same for a ticket type with 10 places, through the cart', async (context) => {
    requirePostgres(context, 'concurrent transactions contend for one ticket type row');
    const cart = t.app.services.cart;
    const { ticketType } = await seedEntry(
      t.database.handle,
      { type: 'market', id: 2 },
      { ticketQuantity: 10 },
    );
    const owners = Array.from({ length: 200 }, () => ({ cartKey: newKey() }));
    await Promise.all(owners.map((o) => cart.addItem(o, { ticketTypeId: ticketType.id, quantity: 1 })));

    const results = await Promise.all(owners.map((o) => cart.checkout(o, input({ fulfilment: 'none' }))));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(190);
    for (const r of refused)
      expect(r).toMatchObject({ reason: 'unavailable', lines: [{ reason: 'sold-out' }] });
    const [type] = await t.database.handle.db
      .select({ reserved: ticketTypes.reserved, sold: ticketTypes.sold, quantity: ticketTypes.quantity })
      .from(ticketTypes)
      .where(eq(ticketTypes.id, ticketType.id));
    expect(type).toEqual({ reserved: 10, sold: 0, quantity: 10 });
  });
});

describe('cart merge at sign-in', () => {
  it('sums quantities capped by stock, retires the anonymous key, and is idempotent', async () => {
    const cart = t.app.services.cart;
    const user = await seedUser(t.database.handle);
    const honey = await seedProduct(t.database.handle, { name: 'Honey', stockQuantity: 5 });
    const jam = await seedProduct(t.database.handle, { name: 'Jam', stockQuantity: null });
    const member = { userId: user.id };
    const anonymous = { cartKey: newKey() };
    await cart.addItem(member, { sku: honey.sku, quantity: 3 });
    await cart.addItem(anonymous, { sku: honey.sku, quantity: 4 });
    await cart.addItem(anonymous, { sku: jam.sku, quantity: 2 });

    const merged = await cart.mergeAnonymousCart(anonymous.cartKey, user.id);
    expect(merged).toEqual({ merged: true, capped: ['Honey'] });
    const summary = await cart.getCartSummary(member);
    expect(summary.lines.map((l) => [l.name, l.quantity])).toEqual([
      ['Honey', 5],
      ['Jam', 2],
    ]);
    // A replayed callback (or a second app's first request) merges nothing more.
    expect(await cart.mergeAnonymousCart(anonymous.cartKey, user.id)).toEqual({ merged: false, capped: [] });
    expect((await cart.getCartSummary(member)).itemCount).toBe(7);
    // The browser's old key now names no cart: after signing out it starts afresh.
    expect((await cart.getCartSummary(anonymous)).itemCount).toBe(0);
    expect((await cart.addItem(anonymous, { sku: jam.sku, quantity: 1 })).ok).toBe(true);
    expect((await cart.getCartSummary(anonymous)).itemCount).toBe(1);
  });

  it('concurrent merges of one cart merge it once', async (context) => {
    requirePostgres(context, 'two transactions race for the anonymous cart row');
    const cart = t.app.services.cart;
    const user = await seedUser(t.database.handle);
    const p = await seedProduct(t.database.handle, { stockQuantity: 100 });
    const anonymous = { cartKey: newKey() };
    await cart.addItem(anonymous, { sku: p.sku, quantity: 2 });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => cart.mergeAnonymousCart(anonymous.cartKey, user.id)),
    );
    expect(results.filter((r) => r.merged)).toHaveLength(1);
    expect((await cart.getCartSummary({ userId: user.id })).itemCount).toBe(2);
  });
});

describe('orders for other apps', () => {
  it("getOrdersForUser lists a member's orders newest first; getOrder has lines and status", async () => {
    const cart = t.app.services.cart;
    const user = await seedUser(t.database.handle);
    const p = await seedProduct(t.database.handle, { name: 'Eggs', pricePence: 250 });
    const member = { userId: user.id };
    const numbers: string[] = [];
    for (const quantity of [1, 2]) {
      await cart.addItem(member, { sku: p.sku, quantity });
      const r = await cart.checkout(member, input({ userId: user.id, email: user.email }));
      if (!r.ok) throw new Error('checkout refused');
      numbers.push(r.order.number);
    }
    const list = await cart.getOrdersForUser(user.id);
    expect(list.map((o) => [o.number, o.itemCount, o.totalPence])).toEqual([
      [numbers[1], 2, 500],
      [numbers[0], 1, 250],
    ]);
    expect(await cart.getOrdersForUser(999_999)).toEqual([]);
    const order = await cart.getOrder(numbers[0] as string);
    expect(order).toMatchObject({
      userId: user.id,
      status: 'pending',
      items: [{ name: 'Eggs', quantity: 1 }],
    });
    expect(await cart.getOrder('RA-2000-999999')).toBeNull();
    const [row] = await t.database.handle.db
      .select()
      .from(orders)
      .where(eq(orders.number, numbers[0] as string));
    expect(row?.email).toBe(user.email);
  });
});
