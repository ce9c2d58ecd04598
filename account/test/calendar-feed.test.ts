/**
 * The private calendar feed: the URL is shown once, parses with node-ical (the member's
 * bookings and tickets, nobody else's), a new address stops the old one, and a revoked one
 * answers 404.
 */
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import ical, { type VEvent } from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEntry, seedFreeEntry, seedPost, seedTicketOrder } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';
import { type Cookies, submit } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
});
afterAll(async () => t?.close());

/** Creates (or replaces) the feed address and returns the path shown. */
async function newFeed(cookies: Cookies): Promise<string> {
  const res = await submit(t, '/calendar/token', '/calendar', cookies);
  expect(res.statusCode).toBe(200);
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  const url = /id="feed-url"[^>]*value="([^"]+)"/.exec(res.body)?.[1];
  expect(url).toMatch(new RegExp(`^${t.config.apps.account.publicUrl}/calendar/[A-Za-z0-9_-]{43}\\.ics$`));
  return new URL(url as string).pathname;
}

const events = (body: string) =>
  Object.values(ical.sync.parseICS(body)).filter((c): c is VEvent => c?.type === 'VEVENT');

describe('private calendar feed', () => {
  it('holds the member’s bookings and tickets, and parses with node-ical', async () => {
    const { cookies, userId } = await signInAs(t.app, 'feed@example.test', 'Fee Feed');
    const other = await signInAs(t.app, 'other@example.test', 'Otto Other');
    const post = await seedPost(t.database.handle);
    const swap = await seedFreeEntry(
      t.database.handle,
      { type: 'post', id: post.id },
      { title: 'Seed swap' },
    );
    const walk = await seedFreeEntry(
      t.database.handle,
      { type: 'post', id: post.id },
      { title: 'Hedgerow walk' },
    );
    const { ticketType } = await seedEntry(
      t.database.handle,
      { type: 'post', id: post.id },
      { title: 'Bread workshop' },
    );
    await t.app.services.calendar.bookSeats({ entryId: swap.entry.id, userId, seats: 2 });
    await t.app.services.calendar.bookSeats({ entryId: walk.entry.id, userId: other.userId, seats: 1 });
    const { tickets } = await seedTicketOrder(t.app.services, t.database.handle, {
      userId,
      email: 'feed@example.test',
      ticketTypeId: ticketType.id,
      quantity: 1,
    });

    const before = await t.app.inject({ url: '/calendar', cookies, headers: { accept: 'text/html' } });
    expect(before.body).toContain('Create my feed address');
    const path = await newFeed(cookies);
    // Shown once: the page afterwards says it is on, without the address.
    const after = await t.app.inject({ url: '/calendar', cookies, headers: { accept: 'text/html' } });
    expect(after.body).toContain('Your feed is on');
    expect(after.body).not.toContain(path);

    // Calendar apps fetch it without any cookie.
    const feed = await t.app.inject({ url: path });
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toContain('text/calendar');
    const vevents = events(feed.body);
    expect(vevents.map((e) => e.summary).sort()).toEqual(['Bread workshop', 'Seed swap']);
    const swapEvent = vevents.find((e) => e.summary === 'Seed swap');
    expect(String(swapEvent?.description)).toContain('You booked 2 seats.');
    expect(swapEvent?.location).toBe('Town Hall');
    expect(swapEvent?.start.toISOString()).toBe(swap.entry.startsAt.toISOString());
    expect(swapEvent?.end?.toISOString()).toBe(swap.entry.endsAt?.toISOString());
    expect(String(vevents.find((e) => e.summary === 'Bread workshop')?.description)).toContain(
      tickets[0]?.code,
    );
    expect(feed.body).not.toContain('Hedgerow walk');
    expect(feed.body).toContain('BEGIN:VTIMEZONE');
  });

  it('stops the old address when a new one is made, and answers 404 once revoked', async () => {
    const { cookies } = await signInAs(t.app, 'rotate@example.test', 'Ro Tate');
    const first = await newFeed(cookies);
    expect((await t.app.inject({ url: first })).statusCode).toBe(200);

    const second = await newFeed(cookies);
    expect(second).not.toBe(first);
    expect((await t.app.inject({ url: first })).statusCode).toBe(404);
    expect((await t.app.inject({ url: second })).statusCode).toBe(200);

    const revoked = await submit(t, '/calendar/token/revoke', '/calendar', cookies);
    expect(revoked.statusCode).toBe(303);
    expect((await t.app.inject({ url: second })).statusCode).toBe(404);
    const page = await t.app.inject({ url: '/calendar', cookies, headers: { accept: 'text/html' } });
    expect(page.body).toContain('Create my feed address');
  });

  it('answers 404 for any made-up token', async () => {
    for (const token of ['x', 'a'.repeat(43), 'A'.repeat(100), '..%2F..%2Fetc']) {
      const res = await t.app.inject({ url: `/calendar/${token}.ics` });
      expect(res.statusCode, token).toBe(404);
    }
  });
});
