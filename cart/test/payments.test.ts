/**
 * SumUp hosted checkout against the project's stub: checkout → SumUp's page; the webhook and
 * the payer's return only trigger a re-fetch; the order is paid only when SumUp says PAID and
 * reference, amount, currency and merchant all match; duplicates and races apply once.
 */

import {
  orders,
  payments,
  products,
  stockReservations,
  tickets,
  ticketTypes,
} from '@rose-ash/shared/db/schema/index.ts';
import { requirePostgres } from '@rose-ash/shared/testing/database.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedEntry, seedProduct } from '../../shared/test/fragments/seed.ts';
import {
  type CartHarness,
  checkout,
  checkoutOf,
  newCartKey,
  orderNumberIn,
  paymentIdOf,
  shopper,
  startCartHarness,
} from './helpers.ts';

let h: CartHarness;
beforeAll(async () => {
  h = await startCartHarness();
});
afterAll(async () => h?.close());

const db = () => h.t.database.handle.db;
const orderRow = async (number: string) => {
  const [row] = await db().select().from(orders).where(eq(orders.number, number));
  if (!row) throw new Error(`no order ${number}`);
  return row;
};
const stockOf = async (productId: number) =>
  (await db().select({ n: products.stockQuantity }).from(products).where(eq(products.id, productId)))[0]?.n;

/** A basket with one product, checked out over HTTP: the order number and SumUp's checkout. */
async function placeOrder(quantity = 1, product?: Awaited<ReturnType<typeof seedProduct>>) {
  const p =
    product ??
    (await seedProduct(h.t.database.handle, { name: 'Rhubarb', pricePence: 1250, stockQuantity: 5 }));
  const owner = { cartKey: newCartKey() };
  await h.t.app.services.cart.addItem(owner, { sku: p.sku, quantity });
  const browser = await shopper(h, owner.cartKey);
  const res = await checkout(h, browser);
  expect(res.status).toBe(303);
  const hosted = res.headers.get('location') ?? '';
  expect(hosted.startsWith(`${h.stub.url}/pay/`)).toBe(true);
  const stubCheckout = checkoutOf(h, hosted);
  const number = orderNumberIn(stubCheckout.checkout_reference);
  return { product: p, browser, number, stubCheckout, paymentId: await paymentIdOf(h, stubCheckout.id) };
}

describe('checkout to SumUp', () => {
  it('creates one SumUp checkout per attempt, in major units, and 303s to its hosted page', async () => {
    const { number, stubCheckout } = await placeOrder(2);
    expect(stubCheckout).toMatchObject({
      checkout_reference: `${number}-1`,
      amount: 25,
      currency: 'GBP',
      merchant_code: h.stub.merchantCode,
      return_url: `${h.url}/sumup/webhook`,
      status: 'PENDING',
    });
    expect(stubCheckout.redirect_url).toMatch(new RegExp(`^${h.url}/orders/${number}/return\\?t=`));
    expect((await orderRow(number)).status).toBe('awaiting_payment');
  });

  it('pays on the webhook only after re-fetching: tickets issued, confirmation mailed once', async () => {
    const { ticketType } = await seedEntry(
      h.t.database.handle,
      { type: 'market', id: 3 },
      { ticketQuantity: 8 },
    );
    const owner = { cartKey: newCartKey() };
    await h.t.app.services.cart.addItem(owner, { ticketTypeId: ticketType.id, quantity: 2 });
    const browser = await shopper(h, owner.cartKey);
    const res = await checkout(h, browser, { email: 'ticket-buyer@example.test', fulfilment: '' });
    expect(res.status).toBe(303);
    const stubCheckout = checkoutOf(h, res.headers.get('location') ?? '');
    const number = orderNumberIn(stubCheckout.checkout_reference);
    const paymentId = await paymentIdOf(h, stubCheckout.id);

    h.stub.setStatus(stubCheckout.id, 'PAID');
    // The webhook only queues a re-fetch (2xx at once).
    expect(await h.stub.notify(stubCheckout.id)).toBe(200);
    expect((await orderRow(number)).status).toBe('awaiting_payment');
    const sent = vi.spyOn(h.t.app.jobs, 'send');
    expect(await h.t.app.jobs.runNow('cart.reconcile-payment', { paymentId })).toEqual({ outcome: 'paid' });
    const order = await orderRow(number);
    expect(order.status).toBe('paid');
    expect(order.fulfilment).toBe('none');
    // The events app is asked to mail the tickets with their QR codes.
    expect(sent.mock.calls.map((c) => [c[0], c[1]])).toEqual([
      ['cart.send-confirmation', { orderId: order.id }],
      ['events.send-tickets', { orderId: order.id }],
    ]);
    sent.mockRestore();
    const issued = await db().select().from(tickets).where(eq(tickets.orderId, order.id));
    expect(issued).toHaveLength(2);
    const [type] = await db()
      .select({ sold: ticketTypes.sold, reserved: ticketTypes.reserved })
      .from(ticketTypes)
      .where(eq(ticketTypes.id, ticketType.id));
    expect(type).toEqual({ sold: 2, reserved: 0 });

    expect(await h.t.app.jobs.runNow('cart.send-confirmation', { orderId: order.id })).toEqual({
      confirmation: 'sent',
    });
    const mail = await h.smtp.waitForMail('ticket-buyer@example.test');
    expect(mail.subject).toContain(number);
    expect(mail.text).toContain(number);
    for (const ticket of issued) {
      expect(mail.text).toContain(ticket.code);
      expect(mail.html).toContain(ticket.code);
    }
    expect(mail.text).toContain(`${h.url}/orders/${number}?t=`);
    expect(await h.t.app.jobs.runNow('cart.send-confirmation', { orderId: order.id })).toEqual({
      confirmation: 'skipped',
    });

    // The payer's return shows it paid.
    const page = await browser.get(
      `${h.url}/orders/${number}/return?${new URL(stubCheckout.redirect_url ?? '').search.slice(1)}`,
    );
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-status="paid"');
  });

  it('duplicate and concurrent webhooks and returns: one payment row, tickets once, one e-mail', async (context) => {
    requirePostgres(context, 'concurrent re-fetches race for the same order');
    const { ticketType } = await seedEntry(
      h.t.database.handle,
      { type: 'market', id: 4 },
      { ticketQuantity: 5 },
    );
    const owner = { cartKey: newCartKey() };
    await h.t.app.services.cart.addItem(owner, { ticketTypeId: ticketType.id, quantity: 3 });
    const browser = await shopper(h, owner.cartKey);
    const res = await checkout(h, browser, { email: 'racer@example.test' });
    const stubCheckout = checkoutOf(h, res.headers.get('location') ?? '');
    const number = orderNumberIn(stubCheckout.checkout_reference);
    const paymentId = await paymentIdOf(h, stubCheckout.id);
    h.stub.setStatus(stubCheckout.id, 'PAID');

    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => h.stub.notify(stubCheckout.id, 'legacy')),
      ...Array.from({ length: 4 }, () => h.stub.notify(stubCheckout.id, 'v2')),
    ]);
    expect(answers.every((s) => s === 200)).toBe(true);
    const outcomes = await Promise.all([
      ...Array.from({ length: 8 }, () => h.t.app.payments.syncPayment(paymentId)),
      h.t.app.payments.syncOrder(number).then(() => ({ kind: 'return' as const })),
      browser.get(stubCheckout.redirect_url ?? '').then(() => ({ kind: 'return' as const })),
    ]);
    expect(outcomes.filter((o) => o.kind === 'paid')).toHaveLength(1);
    const order = await orderRow(number);
    expect(order.status).toBe('paid');
    expect(await db().select().from(payments).where(eq(payments.orderId, order.id))).toHaveLength(1);
    expect(await db().select().from(tickets).where(eq(tickets.orderId, order.id))).toHaveLength(3);
    const [type] = await db()
      .select({ sold: ticketTypes.sold })
      .from(ticketTypes)
      .where(eq(ticketTypes.id, ticketType.id));
    expect(type?.sold).toBe(3);

    const sent = await Promise.all(
      Array.from({ length: 5 }, () => h.t.app.payments.sendConfirmation(order.id)),
    );
    expect(sent.filter((s) => s === 'sent')).toHaveLength(1);
    await h.smtp.waitForMail('racer@example.test');
    await new Promise((r) => setTimeout(r, 200));
    expect(h.smtp.mails.filter((m) => m.to.includes('racer@example.test'))).toHaveLength(1);
  });

  it('a forged PAID webhook while SumUp says PENDING, and a return with ?status=paid, change nothing', async () => {
    const { number, stubCheckout, browser } = await placeOrder();
    const forged = await fetch(`${h.url}/sumup/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event_type: 'CHECKOUT_STATUS_CHANGED', id: stubCheckout.id, status: 'PAID' }),
    });
    expect(forged.status).toBe(200);
    await h.t.app.payments.syncPayment(await paymentIdOf(h, stubCheckout.id));
    expect((await orderRow(number)).status).toBe('awaiting_payment');

    const replay = await browser.get(`${stubCheckout.redirect_url}&status=paid&checkout_status=PAID`);
    expect(replay.status).toBe(200);
    expect(replay.text).toContain('data-status="awaiting_payment"');
    expect((await orderRow(number)).status).toBe('awaiting_payment');
    // The waiting page refreshes itself.
    expect(replay.text).toContain('http-equiv="refresh"');
  });

  it.each([
    ['amount', { amount: 0.01 }],
    ['currency', { currency: 'EUR' }],
    ['merchant', { merchant_code: 'MSOMEONEELSE' }],
  ])(
    'a PAID checkout whose %s does not match is flagged for an admin, never paid',
    async (_what, tampered) => {
      const { number, stubCheckout, product, paymentId } = await placeOrder();
      h.stub.tamper(stubCheckout.id, tampered);
      h.stub.setStatus(stubCheckout.id, 'PAID');
      const outcome = await h.t.app.payments.syncPayment(paymentId);
      expect(outcome.kind).toBe('flagged');
      const order = await orderRow(number);
      expect(order.status).not.toBe('paid');
      expect(order.paidAt).toBeNull();
      expect(order.flaggedAt).not.toBeNull();
      expect(order.flagReason).toContain('does not match');
      const [payment] = await db().select().from(payments).where(eq(payments.id, paymentId));
      expect(payment?.status).not.toBe('paid');
      // Nothing was sold on the strength of it: the stock went back.
      expect(await stockOf(product.id)).toBe(5);
      // A second look changes nothing more.
      await h.t.app.payments.syncPayment(paymentId);
      expect((await orderRow(number)).flagReason?.match(/does not match/g)).toHaveLength(1);
    },
  );

  it('FAILED releases the stock; a retry is a new attempt with a new reference, and can succeed', async () => {
    const { number, stubCheckout, product, paymentId, browser } = await placeOrder(2);
    expect(await stockOf(product.id)).toBe(3);
    h.stub.setStatus(stubCheckout.id, 'FAILED');
    expect((await h.t.app.payments.syncPayment(paymentId)).kind).toBe('failed');
    expect((await orderRow(number)).status).toBe('failed');
    expect(await stockOf(product.id)).toBe(5);

    const page = await browser.get(`${stubCheckout.redirect_url}`);
    expect(page.text).toContain('Try paying again');
    const retry = await browser.post(
      `${h.url}/orders/${number}/pay`,
      { _csrf: formField(page.text, '_csrf') ?? '', t: formField(page.text, 't') ?? '' },
      { follow: false },
    );
    expect(retry.status).toBe(303);
    const second = checkoutOf(h, retry.headers.get('location') ?? '');
    expect(second.id).not.toBe(stubCheckout.id);
    expect(second.checkout_reference).toBe(`${number}-2`);
    expect(await stockOf(product.id)).toBe(3);

    h.stub.setStatus(second.id, 'PAID');
    expect((await h.t.app.payments.syncPayment(await paymentIdOf(h, second.id))).kind).toBe('paid');
    expect((await orderRow(number)).status).toBe('paid');
    expect(await stockOf(product.id)).toBe(3);
    const held = await db()
      .select({ status: stockReservations.status })
      .from(stockReservations)
      .where(eq(stockReservations.orderId, (await orderRow(number)).id));
    expect(held.map((r) => r.status).sort()).toEqual(['committed', 'released']);
  });

  it('concurrent "pay again" clicks open one new SumUp checkout, never two live ones', async (context) => {
    requirePostgres(context, 'concurrent requests race for the order row');
    const { number, stubCheckout, paymentId } = await placeOrder();
    h.stub.setStatus(stubCheckout.id, 'FAILED');
    await h.t.app.payments.syncPayment(paymentId);
    const results = await Promise.all(Array.from({ length: 4 }, () => h.t.app.payments.pay(number)));
    expect(results.every((r) => r.kind === 'redirect' || r.kind === 'in-progress')).toBe(true);
    const live = [...h.stub.checkouts.values()].filter(
      (c) => c.checkout_reference.startsWith(`${number}-`) && c.status === 'PENDING',
    );
    expect(live).toHaveLength(1);
    expect(live[0]?.checkout_reference).toBe(`${number}-2`);
  });

  it('an expired checkout gives its stock back (the sweep deactivates it at SumUp)', async () => {
    const { number, stubCheckout, product, paymentId } = await placeOrder(3);
    expect(await stockOf(product.id)).toBe(2);
    // Forty minutes later: past SumUp's 30-minute session, and still pending there.
    const past = new Date(Date.now() - 40 * 60_000);
    await db().update(payments).set({ createdAt: past }).where(eq(payments.id, paymentId));
    await db()
      .update(stockReservations)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(stockReservations.orderId, (await orderRow(number)).id));
    const result = await h.t.app.jobs.runNow('cart.expire-checkouts', {});
    expect(result).toMatchObject({ deactivated: 1 });
    expect(h.stub.checkouts.get(stubCheckout.id)?.status).toBe('EXPIRED');
    expect((await orderRow(number)).status).toBe('expired');
    expect(await stockOf(product.id)).toBe(5);
    const [payment] = await db().select().from(payments).where(eq(payments.id, paymentId));
    expect(payment?.status).toBe('expired');
  });

  it('money that arrives after the hold ran out still pays the order when the stock is there', async () => {
    const { number, stubCheckout, product, paymentId } = await placeOrder(1);
    // The sweep released it (SumUp had no answer yet) ...
    await h.t.app.services.cart.getOrder(number);
    await db().update(orders).set({ status: 'expired' }).where(eq(orders.number, number));
    await db()
      .update(stockReservations)
      .set({ status: 'released' })
      .where(eq(stockReservations.orderId, (await orderRow(number)).id));
    await db().update(products).set({ stockQuantity: 5 }).where(eq(products.id, product.id));
    // ... then SumUp says PAID after all.
    h.stub.setStatus(stubCheckout.id, 'PAID');
    expect((await h.t.app.payments.syncPayment(paymentId)).kind).toBe('paid');
    expect((await orderRow(number)).status).toBe('paid');
    expect(await stockOf(product.id)).toBe(4);
  });

  it('SumUp down at checkout: the order is kept and the shopper can pay once it is back', async () => {
    const p = await seedProduct(h.t.database.handle, { stockQuantity: 4 });
    const owner = { cartKey: newCartKey() };
    await h.t.app.services.cart.addItem(owner, { sku: p.sku, quantity: 1 });
    const browser = await shopper(h, owner.cartKey);
    h.stub.failNext(503);
    const res = await checkout(h, browser);
    expect(res.status).toBe(303);
    const orderPage = res.headers.get('location') ?? '';
    expect(orderPage).toMatch(new RegExp(`^${h.url}/orders/RA-`));
    const number = orderNumberIn(orderPage);
    expect((await orderRow(number)).status).toBe('pending');
    const shown = await browser.get(orderPage);
    expect(shown.text).toContain('Card payment is not available right now');
    expect(await h.t.app.payments.pay(number)).toMatchObject({ kind: 'redirect' });
    // A second click while that checkout lives goes back to the same page (never two live ones).
    const again = await h.t.app.payments.pay(number);
    const first = await db()
      .select()
      .from(payments)
      .where(and(eq(payments.orderId, (await orderRow(number)).id), eq(payments.status, 'pending')));
    expect(first).toHaveLength(1);
    expect(again).toEqual({ kind: 'redirect', url: first[0]?.hostedCheckoutUrl });
  });

  it('takes both webhook shapes, ignores unknown types and checkouts, and refuses junk with a 4xx', async () => {
    const post = (body: unknown) =>
      fetch(`${h.url}/sumup/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    expect((await post({ event_type: 'SOMETHING_ELSE', id: 'x' })).status).toBe(200);
    expect((await post({ event_type: 'CHECKOUT_STATUS_CHANGED', id: 'no-such-checkout' })).status).toBe(200);
    expect((await post({ event_type: 'checkout.status.updated', payload: {} })).status).toBe(200);
    expect((await post({ event_type: '__proto__', id: 'x' })).status).toBe(200);
    expect((await post('{not json')).status).toBe(400);
    expect((await post({ id: 'missing-type' })).status).toBe(400);
  });
});
