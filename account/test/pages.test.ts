/**
 * The account's pages for a signed-in member: the dashboard with its summaries, the profile's
 * display name, tickets (QR code, .ics, state), bookings (cancel gives the seats back in
 * events) and orders linking to the cart — over the real services and database.
 */
import { calendarEntries, orders, users } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { eq } from 'drizzle-orm';
import ical, { type VEvent } from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEntry, seedFreeEntry, seedPost, seedTicketOrder } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';
import { submit } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
});
afterAll(async () => t?.close());

describe('account pages', () => {
  it('shows anonymous visitors the sign-in link, and members their dashboard', async () => {
    const anonymous = await t.app.inject({
      url: '/',
      headers: { accept: 'text/html' },
      cookies: { account_sso_checked: '1' },
    });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.body).toContain('href="/auth/login?returnTo=%2F"');

    const { cookies, userId } = await signInAs(t.app, 'dash@example.test', 'Dana Dash');
    await t.database.handle.db.update(users).set({ username: 'dana' }).where(eq(users.id, userId));
    const post = await seedPost(t.database.handle);
    const { ticketType } = await seedEntry(
      t.database.handle,
      { type: 'post', id: post.id },
      { title: 'Bread workshop' },
    );
    const free = await seedFreeEntry(
      t.database.handle,
      { type: 'post', id: post.id },
      { title: 'Seed swap' },
    );
    await t.app.services.calendar.bookSeats({ entryId: free.entry.id, userId, seats: 2 });
    const { order } = await seedTicketOrder(t.app.services, t.database.handle, {
      userId,
      email: 'dash@example.test',
      ticketTypeId: ticketType.id,
      quantity: 1,
    });

    const page = await t.app.inject({ url: '/', cookies, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toContain('no-store');
    for (const text of [
      'Dana Dash',
      'dash@example.test',
      '@dana@',
      'Seed swap',
      '2 seats',
      'Bread workshop',
      order.number,
    ]) {
      expect(page.body, text).toContain(text);
    }
    expect(page.body).toContain(`${t.config.apps.cart.publicUrl}/orders/${order.number}`);
  });

  it('saves the display name everywhere: the profile, the header fragment, the session', async () => {
    const { cookies, userId } = await signInAs(t.app, 'name@example.test', 'Old Name');
    const res = await submit(t, '/profile/name', '/profile', cookies, { displayName: 'Nora New' });
    expect(res.statusCode).toBe(303);
    const [row] = await t.database.handle.db.select().from(users).where(eq(users.id, userId));
    expect(row?.displayName).toBe('Nora New');
    const session = (await t.app.sessions.listBySub(String(userId)))[0];
    expect(session?.user.name).toBe('Nora New');
    const profile = await t.app.inject({ url: '/profile', cookies, headers: { accept: 'text/html' } });
    expect(profile.body).toContain('value="Nora New"');

    const tooLong = await submit(t, '/profile/name', '/profile', cookies, { displayName: 'x'.repeat(101) });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('At most 100 characters.');
  });

  it('lists tickets with their state, QR code and .ics, refunded when the order was', async () => {
    const { cookies, userId } = await signInAs(t.app, 'tickets@example.test', 'Tia Tickets');
    const post = await seedPost(t.database.handle);
    const { ticketType } = await seedEntry(
      t.database.handle,
      { type: 'post', id: post.id },
      { title: 'Pottery evening' },
    );
    const { order, tickets } = await seedTicketOrder(t.app.services, t.database.handle, {
      userId,
      email: 'tickets@example.test',
      ticketTypeId: ticketType.id,
      quantity: 2,
    });
    expect(tickets).toHaveLength(2);
    const [first, second] = tickets as [(typeof tickets)[number], (typeof tickets)[number]];
    await t.app.services.calendar.useTicket(first.code);

    const list = await t.app.inject({ url: '/tickets', cookies, headers: { accept: 'text/html' } });
    expect(list.body).toContain(first.code);
    expect(list.body).toContain(second.code);
    expect(list.body).toContain('state-used');
    expect(list.body).toContain('state-valid');
    expect(list.body).toContain(order.number);

    const detail = await t.app.inject({
      url: `/tickets/${second.id}`,
      cookies,
      headers: { accept: 'text/html' },
    });
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain(`/tickets/${second.id}/qr.svg`);
    const qr = await t.app.inject({ url: `/tickets/${second.id}/qr.svg`, cookies });
    expect(qr.headers['content-type']).toContain('image/svg+xml');
    expect(qr.body).toContain('<svg');

    const ics = await t.app.inject({ url: `/tickets/${second.id}/ticket.ics`, cookies });
    expect(ics.headers['content-type']).toContain('text/calendar');
    const events = Object.values(ical.sync.parseICS(ics.body)).filter(
      (c): c is VEvent => c?.type === 'VEVENT',
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.summary).toBe('Pottery evening');
    expect(String(events[0]?.description)).toContain(second.code);

    await t.database.handle.db.update(orders).set({ status: 'refunded' }).where(eq(orders.id, order.id));
    const refunded = await t.app.inject({
      url: `/tickets/${second.id}`,
      cookies,
      headers: { accept: 'text/html' },
    });
    expect(refunded.body).toContain('Refunded');
    expect(refunded.body).not.toContain('qr.svg');
  });

  it('cancels a booking, which gives its seats back in events', async () => {
    const { cookies, userId } = await signInAs(t.app, 'booker@example.test', 'Bo Booker');
    const post = await seedPost(t.database.handle);
    const { entry } = await seedFreeEntry(t.database.handle, { type: 'post', id: post.id }, { capacity: 5 });
    const booked = await t.app.services.calendar.bookSeats({ entryId: entry.id, userId, seats: 3 });
    if (!booked.ok) throw new Error('not booked');
    expect(booked.placesLeft).toBe(2);

    const page = await t.app.inject({ url: '/bookings', cookies, headers: { accept: 'text/html' } });
    expect(page.body).toContain('3 seats');
    expect(page.body).toContain(`/bookings/${booked.booking.id}/cancel`);

    const res = await submit(t, `/bookings/${booked.booking.id}/cancel`, '/bookings', cookies);
    expect(res.statusCode).toBe(303);
    const [after] = await t.database.handle.db
      .select({ bookedSeats: calendarEntries.bookedSeats })
      .from(calendarEntries)
      .where(eq(calendarEntries.id, entry.id));
    expect(after?.bookedSeats).toBe(0);
    // (the bookings page has no form left: the sessions page hands out the CSRF token)
    const again = await submit(t, `/bookings/${booked.booking.id}/cancel`, '/sessions', cookies);
    expect(again.statusCode).toBe(404);
  });

  it('refuses to cancel after the cut-off', async () => {
    const { cookies, userId } = await signInAs(t.app, 'late@example.test', 'Lee Late');
    const post = await seedPost(t.database.handle);
    // Starts in two hours: inside the default 24-hour cut-off.
    const { entry } = await seedFreeEntry(
      t.database.handle,
      { type: 'post', id: post.id },
      { inDays: 2 / 24 },
    );
    const booked = await t.app.services.calendar.bookSeats({ entryId: entry.id, userId, seats: 1 });
    if (!booked.ok) throw new Error('not booked');
    const page = await t.app.inject({ url: '/bookings', cookies, headers: { accept: 'text/html' } });
    expect(page.body).toContain('Too close to the start');
    const res = await submit(t, `/bookings/${booked.booking.id}/cancel`, '/sessions', cookies);
    expect(res.statusCode).toBe(409);
  });

  it('lists orders linking to their page on the cart', async () => {
    const { cookies, userId } = await signInAs(t.app, 'orders@example.test', 'Ori Orders');
    const post = await seedPost(t.database.handle);
    const { ticketType } = await seedEntry(t.database.handle, { type: 'post', id: post.id });
    const { order } = await seedTicketOrder(t.app.services, t.database.handle, {
      userId,
      email: 'orders@example.test',
      ticketTypeId: ticketType.id,
      quantity: 1,
    });
    const page = await t.app.inject({ url: '/orders', cookies, headers: { accept: 'text/html' } });
    expect(page.body).toContain(`href="${t.config.apps.cart.publicUrl}/orders/${order.number}"`);
    expect(page.body).toContain('£10.00');
    expect(page.body).toContain('Paid');
  });

  it('sends anonymous visitors of member pages to sign in, and refuses their posts', async () => {
    for (const url of [
      '/profile',
      '/newsletters',
      '/tickets',
      '/bookings',
      '/orders',
      '/calendar',
      '/sessions',
      '/data',
      '/data/export',
    ]) {
      const res = await t.app.inject({
        url,
        headers: { accept: 'text/html' },
        cookies: { account_sso_checked: '1' },
      });
      expect(res.statusCode, url).toBe(302);
      expect(res.headers.location, url).toBe(`/auth/login?returnTo=${encodeURIComponent(url)}`);
    }
    const res = await t.app.inject({
      method: 'POST',
      url: '/sessions/sign-out-all',
      headers: { accept: 'text/html' },
    });
    expect(res.statusCode).toBe(401);
  });
});
