/**
 * One member never reaches another's things: for every ticket and booking id in the database
 * (and a few beyond), the other member's answer 404 on every account route that takes an id;
 * their booking cannot be cancelled; their order page on the cart is a 404 too; and the
 * export, whatever is asked, is the asker's own.
 */
import { bookings, tickets } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { eq, max } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_BUILDERS } from '../../dev/src/app-builders.ts';
import { seedEntry, seedFreeEntry, seedPost, seedTicketOrder } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';
import { submit } from './helpers.ts';

let t: TestApp;
let cart: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
  const { buildApp: buildCart } = await APP_BUILDERS.cart();
  cart = await buildTestApp(buildCart, { config: t.config, database: t.database, cache: t.cache });
});
afterAll(async () => {
  await cart?.close();
  await t?.close();
});

async function memberWithThings(email: string, name: string) {
  const session = await signInAs(t.app, email, name);
  const post = await seedPost(t.database.handle);
  const { ticketType } = await seedEntry(t.database.handle, { type: 'post', id: post.id });
  const { entry } = await seedFreeEntry(t.database.handle, { type: 'post', id: post.id });
  const booked = await t.app.services.calendar.bookSeats({
    entryId: entry.id,
    userId: session.userId,
    seats: 1,
  });
  if (!booked.ok) throw new Error('not booked');
  const { order, tickets: issued } = await seedTicketOrder(t.app.services, t.database.handle, {
    userId: session.userId,
    email,
    name,
    ticketTypeId: ticketType.id,
    quantity: 2,
  });
  return { ...session, booking: booked.booking, order, tickets: issued };
}

describe('isolation between members', () => {
  it('never shows or changes another member’s ticket, booking, order or export', async () => {
    const ann = await memberWithThings('ann@isolation.test', 'Ann Other');
    const bob = await memberWithThings('bob@isolation.test', 'Bob Asker');
    const [maxTicket] = await t.database.handle.db.select({ id: max(tickets.id) }).from(tickets);
    const [maxBooking] = await t.database.handle.db.select({ id: max(bookings.id) }).from(bookings);
    const own = new Set(bob.tickets.map((x) => x.id));

    // Every ticket id there is (and beyond): Bob sees his own, and nothing else exists for him.
    for (let id = 1; id <= (maxTicket?.id ?? 0) + 3; id++) {
      for (const path of [`/tickets/${id}`, `/tickets/${id}/qr.svg`, `/tickets/${id}/ticket.ics`]) {
        const res = await t.app.inject({ url: path, cookies: bob.cookies, headers: { accept: 'text/html' } });
        expect(res.statusCode, path).toBe(own.has(id) ? 200 : 404);
        if (!own.has(id)) {
          for (const x of ann.tickets) expect(res.body, path).not.toContain(x.code);
        }
      }
    }

    // Every booking id: only Bob's own can be cancelled by Bob; Ann's stays confirmed.
    for (let id = 1; id <= (maxBooking?.id ?? 0) + 3; id++) {
      if (id === bob.booking.id) continue;
      const res = await submit(t, `/bookings/${id}/cancel`, '/sessions', bob.cookies);
      expect(res.statusCode, `booking ${id}`).toBe(404);
    }
    const [annBooking] = await t.database.handle.db
      .select()
      .from(bookings)
      .where(eq(bookings.id, ann.booking.id));
    expect(annBooking?.status).toBe('confirmed');

    // Ann's order page on the cart: a 404 for Bob signed in there, and for anyone without the link.
    const bobAtCart = await signInAs(cart.app, 'bob@isolation.test', 'Bob Asker');
    for (const cookies of [bobAtCart.cookies, {}]) {
      const res = await cart.app.inject({
        url: `/orders/${ann.order.number}`,
        cookies: { ...cookies, cart_sso_checked: '1' },
        headers: { accept: 'text/html' },
      });
      expect(res.statusCode).toBe(404);
    }
    const ownOrder = await cart.app.inject({
      url: `/orders/${bob.order.number}`,
      cookies: bobAtCart.cookies,
      headers: { accept: 'text/html' },
    });
    expect(ownOrder.statusCode).toBe(200);

    // The lists and the export are Bob's, whatever the query says.
    for (const url of [
      '/tickets',
      '/bookings',
      '/orders',
      `/data/export?userId=${ann.userId}&id=${ann.userId}`,
    ]) {
      const res = await t.app.inject({ url, cookies: bob.cookies, headers: { accept: 'text/html' } });
      expect(res.statusCode, url).toBe(200);
      for (const theirs of [
        'ann@isolation.test',
        'Ann Other',
        ann.order.number,
        ...ann.tickets.map((x) => x.code),
      ]) {
        expect(res.body, `${url} shows ${theirs}`).not.toContain(theirs);
      }
    }
    const exported = JSON.parse(
      (await t.app.inject({ url: `/data/export?userId=${ann.userId}`, cookies: bob.cookies })).body,
    );
    expect(exported.profile.id).toBe(bob.userId);
  });
});
