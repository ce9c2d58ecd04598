import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEntry, seedFreeEntry, seedPost } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp, { config: testConfig({ env: { ADMIN_EMAILS: 'boss@example.test' } }) });
});
afterAll(async () => t?.close());

/** A signed-in admin posting forms with the CSRF token of a page they loaded. */
async function adminSession() {
  const { cookies } = await signInAs(t.app, 'boss@example.test', 'Boss');
  const page = await t.app.inject({ url: '/admin/calendars/new', cookies });
  expect(page.statusCode).toBe(200);
  const jar = { ...cookies, ...Object.fromEntries(page.cookies.map((c) => [c.name, c.value])) };
  const csrf = formField(page.body, '_csrf') as string;
  return {
    cookies: jar,
    get: (url: string) => t.app.inject({ url, cookies: jar }),
    post: (url: string, form: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url,
        cookies: jar,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      }),
  };
}

describe('reader pages', () => {
  it('lists upcoming entries with filters by calendar, price and week/month', async () => {
    const free = await seedFreeEntry(
      t.database.handle,
      { type: 'market', id: 1 },
      { title: 'Free supper', inDays: 2 },
    );
    await seedEntry(t.database.handle, { type: 'market', id: 1 }, { title: 'Paid workshop', inDays: 40 });
    const home = await t.app.inject({ url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Free supper');
    expect(home.body).toContain('Paid workshop');
    expect((await t.app.inject({ url: '/?price=free' })).body).not.toContain('Paid workshop');
    expect((await t.app.inject({ url: '/?price=paid' })).body).not.toContain('Free supper');
    expect((await t.app.inject({ url: '/?when=month' })).body).not.toContain('Paid workshop');
    const one = await t.app.inject({ url: `/?calendar=${free.calendar.slug}` });
    expect(one.body).toContain('Free supper');
    expect(one.body).not.toContain('Paid workshop');
    expect((await t.app.inject({ url: '/?price=cheap' })).statusCode).toBe(400);
  });

  it('shows a month grid with today marked, prev/next links and multi-day entries; a list view; 404 and 400 for nonsense', async () => {
    const { calendar, entry } = await seedFreeEntry(
      t.database.handle,
      { type: 'market', id: 2 },
      {
        title: 'Village fete',
        inDays: 1,
      },
    );
    const month = await t.app.inject({ url: `/${calendar.slug}/` });
    expect(month.statusCode).toBe(200);
    expect(month.body).toContain('aria-current="date"');
    expect(month.body).toContain('Village fete');
    expect(month.body).toContain(`href="/${calendar.slug}/${entry.slug}/"`);
    const december = await t.app.inject({ url: `/${calendar.slug}/?month=2026-12` });
    expect(december.body).toContain('December 2026');
    expect(december.body).toContain(`?month=2026-11`);
    expect(december.body).toContain(`?month=2027-01`);
    const list = await t.app.inject({ url: `/${calendar.slug}/?view=list` });
    expect(list.body).toContain('Village fete');
    expect((await t.app.inject({ url: `/${calendar.slug}/?month=2026-13` })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/no-such-calendar/' })).statusCode).toBe(404);
  });

  it('gives the entry page Open Graph, Event JSON-LD, the zone named, a map link and add-to-cart forms for tickets', async () => {
    const { calendar, entry, ticketType } = await seedEntry(
      t.database.handle,
      { type: 'market', id: 3 },
      {
        title: 'Bread </script><script>alert(1)</script> class',
      },
    );
    const res = await t.app.inject({ url: `/${calendar.slug}/${entry.slug}/` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<meta property="og:title"');
    expect(res.body).toContain('(Europe/London)');
    expect(res.body).not.toContain('<script>alert(1)</script>');
    const ld = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(res.body)?.[1] ?? '';
    expect(JSON.parse(ld)).toMatchObject({
      '@type': 'Event',
      name: entry.title,
      offers: [{ price: '10.00', priceCurrency: 'GBP' }],
    });
    expect(res.body).toContain(`action="${t.config.apps.cart.publicUrl}/add"`);
    expect(res.body).toContain(`name="ticket_type_id" value="${ticketType.id}"`);
    expect(res.body).toContain(
      `name="return_to" value="${t.config.apps.events.publicUrl}/${calendar.slug}/${entry.slug}/"`,
    );
  });
});

describe('the admin', () => {
  it('creates a calendar on a post, entries (one and a weekly series), edits, duplicates, cancels and exports bookings', async () => {
    const post = await seedPost(t.database.handle, { title: 'Summer news' });
    const admin = await adminSession();
    expect((await t.app.inject({ url: '/admin/' })).statusCode).toBe(302);
    const member = await signInAs(t.app, 'member@example.test');
    expect((await t.app.inject({ url: '/admin/', cookies: member.cookies })).statusCode).toBe(403);

    const reserved = await admin.post('/admin/calendars', {
      container: `post:${post.id}`,
      name: 'Nope',
      slug: 'admin',
    });
    expect(reserved.statusCode).toBe(400);
    const created = await admin.post('/admin/calendars', {
      container: `post:${post.id}`,
      name: 'Summer',
      slug: 'summer',
      description: 'Long evenings.',
    });
    expect(created.statusCode).toBe(303);
    const calendarUrl = created.headers.location as string;
    const calendarId = Number(calendarUrl.split('/').pop());
    expect((await admin.get(calendarUrl)).body).toContain('Summer');

    const bad = await admin.post(`/admin/calendars/${calendarId}/entries`, {
      title: 'x',
      start_date: '2026-02-30',
      start_time: '10:00',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('start_date');

    // "Every Saturday 9–13 until …": one entry per week, across the October clock change.
    const series = await admin.post(`/admin/calendars/${calendarId}/entries`, {
      title: 'Market stall',
      start_date: '2026-10-17',
      start_time: '09:00',
      end_time: '13:00',
      repeat_until: '2026-11-07',
      booking_mode: 'none',
      location_name: 'Square',
    });
    expect(series.statusCode).toBe(303);
    const stalls = await t.app.services.calendar.listCalendarEntries(calendarId, {});
    expect(stalls.map((e) => e.slug)).toEqual([
      'market-stall-2026-10-17',
      'market-stall-2026-10-24',
      'market-stall-2026-10-31',
      'market-stall-2026-11-07',
    ]);
    // 09:00 local each time: BST (08:00Z) before the change, GMT (09:00Z) after.
    expect(stalls.map((e) => e.startsAt.toISOString().slice(11, 16))).toEqual([
      '08:00',
      '08:00',
      '09:00',
      '09:00',
    ]);

    const one = await admin.post(`/admin/calendars/${calendarId}/entries`, {
      title: 'Midsummer supper',
      slug: 'midsummer-supper',
      start_date: '2027-06-21',
      start_time: '19:00',
      end_time: '22:00',
      capacity: '2',
      booking_mode: 'free',
      description: '<p>Bring a dish.</p><img src=x onerror=alert(1)>',
    });
    expect(one.statusCode).toBe(303);
    const entryId = Number((one.headers.location as string).split('/').pop());
    const form = await admin.get(`/admin/entries/${entryId}`);
    expect(form.body).toContain('value="2027-06-21"');
    expect(form.body).toContain('value="19:00"');
    const entry = await t.app.services.calendar.getEntryById(entryId);
    expect(entry?.description).toBe('<p>Bring a dish.</p>');

    const edited = await admin.post(`/admin/entries/${entryId}`, {
      title: 'Midsummer supper',
      start_date: '2027-06-21',
      start_time: '19:30',
      end_time: '22:00',
      capacity: '2',
      booking_mode: 'free',
    });
    expect(edited.statusCode).toBe(303);
    expect((await t.app.services.calendar.getEntryById(entryId))?.sequence).toBe(1);

    const copy = await admin.post(`/admin/entries/${entryId}/duplicate`, {});
    expect(copy.statusCode).toBe(303);
    const copied = await t.app.services.calendar.getEntryById(
      Number((copy.headers.location as string).split('/').pop()),
    );
    expect(copied?.slug).toBe('midsummer-supper-copy');
    expect(copied?.startsAt.toISOString()).toBe('2027-06-28T18:30:00.000Z');

    // A booking, then the bookings list and its CSV.
    const booker = await signInAs(t.app, 'dina@example.test', '=HYPERLINK("x")');
    await t.app.services.calendar.bookSeats({ entryId, userId: booker.userId, seats: 2 });
    const list = await admin.get(`/admin/entries/${entryId}/bookings`);
    expect(list.body).toContain('dina@example.test');
    const csv = await admin.get(`/admin/entries/${entryId}/bookings.csv`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body).toContain('"dina@example.test"');
    expect(csv.body).toContain(`"'=HYPERLINK(""x"")"`);
    // Capacity cannot drop below what is booked.
    const shrink = await admin.post(`/admin/entries/${entryId}`, {
      title: 'Midsummer supper',
      start_date: '2027-06-21',
      start_time: '19:30',
      capacity: '1',
      booking_mode: 'free',
    });
    expect(shrink.statusCode).toBe(400);
    expect(shrink.body).toContain('2 seats are already booked');

    // Deleting a booked entry is refused; cancelling queues a notice per booker.
    const del = await admin.post(`/admin/entries/${entryId}/delete`, {});
    expect(del.statusCode).toBe(303);
    expect(await t.app.services.calendar.getEntryById(entryId)).not.toBeNull();
    const cancel = await admin.post(`/admin/entries/${entryId}/cancel`, { note: 'The marquee blew away.' });
    expect(cancel.statusCode).toBe(303);
    const cancelled = await t.app.services.calendar.getEntryById(entryId);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      cancellationNote: 'The marquee blew away.',
      sequence: 2,
    });
    const queued = await t.database.handle.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'events.cancellation-notice'`,
    );
    expect(queued[0]?.n).toBe(1);

    // Ticket types on an entry; archive the calendar.
    const tt = await admin.post(`/admin/entries/${copied?.id}/ticket-types`, {
      name: 'Adult',
      price: '12.50',
      quantity: '20',
    });
    expect(tt.statusCode).toBe(303);
    expect((await t.app.services.calendar.getEntryById(copied?.id as number))?.ticketTypes).toMatchObject([
      { name: 'Adult', pricePence: 1250, quantity: 20, sold: 0 },
    ]);
    const archived = await admin.post(`/admin/calendars/${calendarId}/archive`, { archived: '1' });
    expect(archived.statusCode).toBe(303);
    expect((await t.app.services.calendar.listCalendars()).map((c) => c.slug)).not.toContain('summer');
    expect((await t.app.inject({ url: '/summer/' })).statusCode).toBe(200);
  });
});
