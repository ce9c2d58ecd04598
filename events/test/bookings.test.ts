import { bookings, calendarEntries, users } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { requirePostgres } from '@rose-ash/shared/testing/database.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { type SmtpReceiver, startSmtpReceiver } from '@rose-ash/shared/testing/smtp.ts';
import { eq } from 'drizzle-orm';
import ical, { type VEvent } from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFreeEntry } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
let smtp: SmtpReceiver;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
  t = await buildTestApp(buildApp, { config: testConfig({ env: { SMTP_URL: smtp.url } }) });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

async function members(n: number, prefix: string): Promise<number[]> {
  const rows = await t.database.handle.db
    .insert(users)
    .values(Array.from({ length: n }, (_, i) => ({ email: `${prefix}-${i}@example.test` })))
    .returning({ id: users.id });
  return rows.map((r) => r.id);
}

/** A cookie header from a jar-like record. */
const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

/** Cookies a response set (name → value). */
function setCookies(res: { cookies: { name: string; value: string }[] }): Record<string, string> {
  return Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
}

describe('bookings under concurrency', () => {
  it('50 concurrent bookings for 10 seats: exactly 10 succeed, the rest are told it is full; a cancel frees a seat', async (context) => {
    requirePostgres(context, 'fifty transactions contending for one row lock');
    const { entry } = await seedFreeEntry(t.database.handle, { type: 'market', id: 1 }, { capacity: 10 });
    const ids = await members(50, 'rush');
    const results = await Promise.all(
      ids.map((userId) => t.app.services.calendar.bookSeats({ entryId: entry.id, userId, seats: 1 })),
    );
    const ok = results.filter((r) => r.ok);
    const full = results.filter((r) => !r.ok);
    expect(ok).toHaveLength(10);
    expect(full).toHaveLength(40);
    expect(full.every((r) => !r.ok && r.reason === 'full' && r.placesLeft === 0)).toBe(true);
    const [row] = await t.database.handle.db
      .select({ booked: calendarEntries.bookedSeats })
      .from(calendarEntries)
      .where(eq(calendarEntries.id, entry.id));
    expect(row?.booked).toBe(10);
    expect(await t.database.handle.db.$count(bookings, eq(bookings.entryId, entry.id))).toBe(10);

    // A cancel releases the seat and the next member gets it.
    const first = ok[0];
    if (!first?.ok) throw new Error('unreachable');
    const cancelled = await t.app.services.calendar.cancelBooking({
      bookingId: first.booking.id,
      userId: first.booking.userId as number,
    });
    expect(cancelled.ok).toBe(true);
    const late = full.length ? ids[ids.length - 1] : undefined;
    const again = await t.app.services.calendar.bookSeats({
      entryId: entry.id,
      userId: late as number,
      seats: 1,
    });
    expect(again).toMatchObject({ ok: true, placesLeft: 0 });
  });
});

describe('booking rules', () => {
  it("keeps to the member's limit, changes seats in place, refuses past and cancelled entries, and cancels only before the cut-off", async () => {
    const { entry } = await seedFreeEntry(t.database.handle, { type: 'market', id: 2 }, { capacity: 5 });
    const [alice, bob] = await members(2, 'rules');
    const cal = t.app.services.calendar;
    expect(await cal.bookSeats({ entryId: entry.id, userId: alice as number, seats: 5 })).toMatchObject({
      ok: false,
      reason: 'over-limit',
      limit: 4,
    });
    const booked = await cal.bookSeats({ entryId: entry.id, userId: alice as number, seats: 3 });
    expect(booked).toMatchObject({ ok: true, placesLeft: 2 });
    // Booking again changes the seats of the same booking, not a second one.
    const changed = await cal.bookSeats({ entryId: entry.id, userId: alice as number, seats: 4 });
    expect(changed).toMatchObject({ ok: true, placesLeft: 1 });
    if (!booked.ok || !changed.ok) throw new Error('unreachable');
    expect(changed.booking.id).toBe(booked.booking.id);
    expect(await cal.bookSeats({ entryId: entry.id, userId: bob as number, seats: 2 })).toMatchObject({
      ok: false,
      reason: 'full',
      placesLeft: 1,
    });

    // Within the cut-off (24 h by default) a booking can no longer be cancelled.
    const soon = await seedFreeEntry(t.database.handle, { type: 'market', id: 2 }, { inDays: 0.5 });
    const late = await cal.bookSeats({ entryId: soon.entry.id, userId: bob as number, seats: 1 });
    if (!late.ok) throw new Error('booking failed');
    expect(await cal.cancelBooking({ bookingId: late.booking.id, userId: bob as number })).toEqual({
      ok: false,
      reason: 'too-late',
    });
    // Someone else's booking is not theirs to cancel.
    expect(await cal.cancelBooking({ bookingId: booked.booking.id, userId: bob as number })).toEqual({
      ok: false,
      reason: 'not-found',
    });

    const past = await seedFreeEntry(t.database.handle, { type: 'market', id: 2 }, { inDays: -1 });
    expect(await cal.bookSeats({ entryId: past.entry.id, userId: bob as number, seats: 1 })).toMatchObject({
      ok: false,
      reason: 'closed',
    });
    await t.database.handle.db
      .update(calendarEntries)
      .set({ status: 'cancelled' })
      .where(eq(calendarEntries.id, entry.id));
    expect(await cal.bookSeats({ entryId: entry.id, userId: bob as number, seats: 1 })).toMatchObject({
      ok: false,
      reason: 'cancelled',
    });

    // What the account app will list: the member's bookings with their entries.
    const mine = await cal.listMemberBookings(alice as number);
    expect(mine.map((d) => [d.entry.id, d.booking.seats, d.cancellable])).toEqual([[entry.id, 4, false]]);
  });
});

describe('booking on the entry page', () => {
  it('shows "you are booked" after booking, e-mails a confirmation with an .ics, says "full" to the next member, and a cancel frees the place', async () => {
    const { calendar, entry } = await seedFreeEntry(
      t.database.handle,
      { type: 'market', id: 3 },
      {
        capacity: 1,
        title: 'Jam & chutney',
      },
    );
    const path = `/${calendar.slug}/${entry.slug}/`;

    const anonymous = await t.app.inject({ url: path });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.body).toContain('Sign in to book');
    expect(anonymous.body).toContain('1 left');

    // Ben opens the page while a place is left; Ann books it before he submits.
    const ben = await signInAs(t.app, 'ben@example.test', 'Ben');
    const benForm = await t.app.inject({ url: path, cookies: ben.cookies });
    const ann = await signInAs(t.app, 'ann@example.test', 'Ann');
    const page = await t.app.inject({ url: path, cookies: ann.cookies });
    const csrf = formField(page.body, '_csrf') as string;
    const jar = { ...ann.cookies, ...setCookies(page) };
    const book = await t.app.inject({
      method: 'POST',
      url: `${path}book`,
      headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, seats: '1' }).toString(),
    });
    expect(book.statusCode).toBe(303);
    expect(book.headers.location).toBe(path);
    const after = await t.app.inject({
      url: path,
      headers: { cookie: cookieHeader({ ...jar, ...setCookies(book) }) },
    });
    expect(after.body).toContain('You are booked');
    expect(after.body).toMatch(/<strong>Full<\/strong>/);

    // The confirmation job: a mail with the entry as an .ics an independent parser reads.
    const [booking] = await t.database.handle.db
      .select()
      .from(bookings)
      .where(eq(bookings.entryId, entry.id));
    await t.app.jobs.runNow('events.booking-confirmation', { bookingId: booking?.id as number });
    const mail = await smtp.waitForMail('ann@example.test');
    expect(mail.subject).toBe('Booked: Jam & chutney');
    expect(mail.text).toContain(`http://localhost:8004${path}`);
    const ics = mail.attachments.find((a) => a.filename === 'invite.ics');
    expect(ics?.contentType).toMatch(/text\/calendar/);
    const parsed = Object.values(ical.sync.parseICS(ics?.content.toString('utf8') ?? '')).find(
      (c) => c?.type === 'VEVENT',
    ) as VEvent;
    expect(parsed.summary).toBe('Jam & chutney');
    expect((parsed.start as Date | undefined)?.getTime()).toBe(entry.startsAt.getTime());

    // The next member is told clearly that it is full.
    const benJar = { ...ben.cookies, ...setCookies(benForm) };
    const refused = await t.app.inject({
      method: 'POST',
      url: `${path}book`,
      headers: { cookie: cookieHeader(benJar), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: formField(benForm.body, '_csrf') ?? '', seats: '1' }).toString(),
    });
    expect(refused.statusCode).toBe(303);
    const told = await t.app.inject({
      url: path,
      headers: { cookie: cookieHeader({ ...benJar, ...setCookies(refused) }) },
    });
    expect(told.body).toContain('Sorry, this event is full.');

    // Ann cancels (the entry is days away): her place is free again.
    const cancel = await t.app.inject({
      method: 'POST',
      url: `${path}cancel`,
      headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, booking_id: String(booking?.id) }).toString(),
    });
    expect(cancel.statusCode).toBe(303);
    expect((await t.app.inject({ url: path })).body).toContain('1 left');
  });

  it('refuses anonymous and forged bookings without a 5xx', async () => {
    const { calendar, entry } = await seedFreeEntry(t.database.handle, { type: 'market', id: 4 });
    const path = `/${calendar.slug}/${entry.slug}/book`;
    const anonymous = await t.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'seats=1',
    });
    expect(anonymous.statusCode).toBe(401);
    const member = await signInAs(t.app, 'forger@example.test');
    const forged = await t.app.inject({
      method: 'POST',
      url: path,
      cookies: member.cookies,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'seats=1&_csrf=nope',
    });
    expect(forged.statusCode).toBe(403);
    expect((await t.app.inject({ url: `/${calendar.slug}/no-such-entry/` })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/Not_A_Slug/x/' })).statusCode).toBe(404);
  });
});
