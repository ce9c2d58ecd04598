/**
 * What a member does in the other apps shows in their account, over real HTTP: a free entry
 * booked on the events page and a ticket bought through the cart (SumUp's stub as the hosted
 * payment page) appear on the account's bookings and tickets pages; cancelling the booking
 * there gives its places back on the events page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { Browser, formField } from '../shared/src/testing/http.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';
import { type SumUpStub, startSumUpStub } from '../shared/src/testing/sumup-stub.ts';
import { seedEntry, seedFreeEntry, seedPost } from '../shared/test/fragments/seed.ts';

/** What a browser sends when it loads a page (the silent sign-in answers only these). */
const NAVIGATE = { 'sec-fetch-dest': 'document', 'upgrade-insecure-requests': '1' };
const EMAIL = 'goer@account.test';
let smtp: SmtpReceiver;
let sumup: SumUpStub;
let cluster: Cluster;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  sumup = await startSumUpStub();
  cluster = await startCluster(['federation', 'events', 'cart', 'account'], {
    env: {
      SMTP_URL: smtp.url,
      SUMUP_API_KEY: sumup.apiKey,
      SUMUP_MERCHANT_CODE: sumup.merchantCode,
      SUMUP_API_BASE: sumup.url,
    },
  });
});
afterAll(async () => {
  await cluster?.close();
  await sumup?.close();
  await smtp?.close();
});

describe('the other apps, seen from the account', () => {
  it('a booking made and a ticket bought elsewhere appear here; cancelling here frees the places', async () => {
    const fed = cluster.url('federation');
    const events = cluster.url('events');
    const cart = cluster.url('cart');
    const account = cluster.url('account');
    const db = cluster.database.handle;
    const post = await seedPost(db);
    const swap = await seedFreeEntry(db, { type: 'post', id: post.id }, { title: 'Seed swap', capacity: 12 });
    const bread = await seedEntry(db, { type: 'post', id: post.id }, { title: 'Bread workshop' });
    const swapPage = `${events}/${swap.calendar.slug}/${swap.entry.slug}/`;
    const breadPage = `${events}/${bread.calendar.slug}/${bread.entry.slug}/`;

    // Sign in at events with a mailed link.
    const browser = new Browser();
    const form = await browser.get(
      `${events}/auth/login?returnTo=${encodeURIComponent(new URL(swapPage).pathname)}`,
    );
    await browser.post(`${fed}/auth/magic-link`, {
      _csrf: formField(form.text, '_csrf') ?? '',
      uid: formField(form.text, 'uid') ?? '',
      email: EMAIL,
    });
    const link = linkFrom(await smtp.waitForMail(EMAIL), `${fed}/auth/magic/`);
    const cont = await browser.get(link);
    const entryPage = await browser.post(link, { _csrf: formField(cont.text, '_csrf') ?? '' });
    expect(entryPage.url).toBe(swapPage);
    expect(entryPage.text).toContain('12 left');

    // Book two places on the events page.
    const booked = await browser.post(`${swapPage}book`, {
      _csrf: formField(entryPage.text, '_csrf') ?? '',
      seats: '2',
    });
    expect(booked.text).toContain('You are booked: 2 places');
    expect(booked.text).toContain('10 left');

    // Buy a ticket: the entry's form adds it to the basket at the cart, then checkout and pay.
    await browser.get(breadPage);
    await browser.post(
      `${cart}/add`,
      { ticket_type_id: String(bread.ticketType.id), quantity: '1', return_to: breadPage },
      { headers: { origin: events } },
    );
    const checkout = await browser.get(`${cart}/checkout`, { headers: NAVIGATE });
    expect(checkout.text).toContain('Bread workshop');
    const hosted = await browser.post(`${cart}/checkout`, {
      _csrf: formField(checkout.text, '_csrf') ?? '',
      email: EMAIL,
      name: 'Goer Member',
    });
    expect(hosted.url).toMatch(new RegExp(`^${sumup.url}/pay/`));
    const paid = await browser.post(hosted.url, { action: 'pay' });
    expect(paid.url).toMatch(new RegExp(`^${cart}/orders/RA-`));
    const number = /RA-\d{4}-\d{6}/.exec(paid.url)?.[0] as string;

    // The account shows both: the booking with its places, the ticket with its code and order.
    const home = await browser.get(`${account}/`, { headers: NAVIGATE });
    expect(home.text).toContain(EMAIL);
    expect(home.text).toContain('Seed swap');
    expect(home.text).toContain('Bread workshop');
    const tickets = await browser.get(`${account}/tickets`);
    const [code] = await db.query<{ code: string }>(
      'SELECT code FROM tickets WHERE order_id = (SELECT id FROM orders WHERE number = $1)',
      [number],
    );
    expect(tickets.text).toContain('Bread workshop');
    expect(tickets.text).toContain(code?.code ?? 'no ticket issued');
    expect(tickets.text).toContain(number);
    const orders = await browser.get(`${account}/orders`);
    expect(orders.text).toContain(`${cart}/orders/${number}`);
    const bookings = await browser.get(`${account}/bookings`);
    expect(bookings.text).toContain('Seed swap');
    expect(bookings.text).toContain('2 seats');

    // Cancel it here: the events page has the places back.
    const bookingId = /action="\/bookings\/(\d+)\/cancel"/.exec(bookings.text)?.[1];
    const cancelled = await browser.post(`${account}/bookings/${bookingId}/cancel`, {
      _csrf: formField(bookings.text, '_csrf') ?? '',
    });
    expect(cancelled.url).toBe(`${account}/bookings`);
    expect(cancelled.text).toContain('Booking cancelled');
    expect((await browser.get(swapPage)).text).toContain('12 left');
  });
});
