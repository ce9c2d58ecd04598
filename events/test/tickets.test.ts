import { orderItems, orders } from '@rose-ash/shared/db/schema/index.ts';
import {
  CODE_ALPHABET,
  newTicketCode,
  normalizeTicketCode,
  ticketQrSvg,
} from '@rose-ash/shared/services/calendar/ticket-codes.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { type SmtpReceiver, startSmtpReceiver } from '@rose-ash/shared/testing/smtp.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEntry } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
let smtp: SmtpReceiver;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
  t = await buildTestApp(buildApp, {
    config: testConfig({ env: { SMTP_URL: smtp.url, ADMIN_EMAILS: 'door@example.test' } }),
  });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

/** A paid order of `quantity` tickets, issued the way the cart does on payment. */
async function issued(quantity: number, userId: number | null = null) {
  const { ticketType, entry, calendar } = await seedEntry(
    t.database.handle,
    { type: 'market', id: 9 },
    {
      title: 'Cider pressing',
    },
  );
  const [order] = await t.database.handle.db
    .insert(orders)
    .values({
      number: `RA-T-${Date.now()}-${Math.random()}`,
      email: 'holder@example.test',
      name: 'Holly Holder',
      fulfilment: 'collection',
      subtotalPence: 1000 * quantity,
      totalPence: 1000 * quantity,
      currency: 'GBP',
    })
    .returning();
  const [item] = await t.database.handle.db
    .insert(orderItems)
    .values({
      orderId: order?.id as number,
      kind: 'ticket',
      ticketTypeId: ticketType.id,
      name: 'Standard',
      quantity,
      unitPricePence: 1000,
      lineTotalPence: 1000 * quantity,
    })
    .returning();
  const result = await t.app.services.calendar.issueTickets({
    orderId: order?.id as number,
    holderEmail: 'holder@example.test',
    holderName: 'Holly Holder',
    userId,
    items: [{ orderItemId: item?.id as number, ticketTypeId: ticketType.id, quantity }],
  });
  if (!result.ok) throw new Error(result.reason);
  return { tickets: result.tickets, orderId: order?.id as number, entry, calendar };
}

describe('ticket codes', () => {
  it('are 12 unambiguous characters, unique, and normalised from what a door person types or scans', () => {
    const codes = Array.from({ length: 2_000 }, newTicketCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes.slice(0, 50)) {
      expect(code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{4}-[${CODE_ALPHABET}]{4}-[${CODE_ALPHABET}]{4}$`));
      expect(normalizeTicketCode(code.toLowerCase().replaceAll('-', ' '))).toBe(code);
      expect(normalizeTicketCode(`https://events.example/tickets/check?code=${code}`)).toBe(code);
    }
    for (const junk of [
      '',
      'ABCD',
      'ABCD-EFGH-IJK0',
      "'; drop table tickets;--",
      'x'.repeat(5_000),
      'http://[bad',
    ]) {
      expect(normalizeTicketCode(junk)).toBeNull();
    }
  });

  it('have a QR code holding the door-check URL', async () => {
    const svg = await ticketQrSvg('https://events.example', 'ABCD-EFGH-JKMN');
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });
});

describe('the door check', () => {
  it('says valid, marks used once, then "already used"; unknown and malformed codes are "unknown", never a 500', async () => {
    const { tickets } = await issued(2);
    const code = tickets[0]?.code as string;
    const door = await signInAs(t.app, 'door@example.test', 'Door');
    const member = await signInAs(t.app, 'visitor@example.test');

    expect((await t.app.inject({ url: '/tickets/check' })).statusCode).toBe(302);
    expect((await t.app.inject({ url: '/tickets/check', cookies: member.cookies })).statusCode).toBe(403);

    // Scanning opens the check URL the QR code holds.
    const scanned = await t.app.inject({ url: `/tickets/check?code=${code}`, cookies: door.cookies });
    expect(scanned.statusCode).toBe(200);
    expect(scanned.body).toContain('<h2>Valid</h2>');
    expect(scanned.body).toContain('Cider pressing');

    const csrf = formField(scanned.body, '_csrf') as string;
    const cookies = {
      ...door.cookies,
      ...Object.fromEntries(scanned.cookies.map((c) => [c.name, c.value])),
    };
    const post = (form: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/tickets/check',
        cookies,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      });

    const admitted = await post({ code: code.toLowerCase(), action: 'use' });
    expect(admitted.statusCode).toBe(200);
    expect(admitted.body).toContain('<h2>Admitted</h2>');
    const twice = await post({ code, action: 'use' });
    expect(twice.body).toContain('<h2>Already used</h2>');
    expect((await post({ code, action: 'check' })).body).toContain('<h2>Already used</h2>');

    for (const junk of [
      'ZZZZ-ZZZZ-ZZZZ',
      'not a code',
      '%00',
      '<script>alert(1)</script>',
      'x'.repeat(1_999),
    ]) {
      for (const action of ['check', 'use']) {
        const res = await post({ code: junk, action });
        expect(res.statusCode).toBe(200);
        expect(res.body).toContain('<h2>Unknown</h2>');
        expect(res.body).not.toContain('<script>alert(1)</script>');
      }
    }
    const tooLong = await post({ code: 'x'.repeat(3_000), action: 'check' });
    expect(tooLong.statusCode).toBe(400);

    // Two doors scanning the other ticket at once: exactly one admits it.
    const other = tickets[1]?.code as string;
    const both = await Promise.all([
      t.app.services.calendar.useTicket(other),
      t.app.services.calendar.useTicket(other),
    ]);
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    expect(both.find((r) => !r.ok)).toMatchObject({ ok: false, reason: 'used' });
  });
});

describe("a member's tickets and the tickets mail", () => {
  it('lists them for the account and e-mails each with its code and an inline QR code', async () => {
    const member = await signInAs(t.app, 'holly@example.test', 'Holly');
    const { tickets, orderId } = await issued(2, member.userId);
    const mine = await t.app.services.calendar.listMemberTickets(member.userId);
    expect(mine.map((x) => x.code).sort()).toEqual(tickets.map((x) => x.code).sort());
    expect(mine[0]?.entry.title).toBe('Cider pressing');

    await t.app.jobs.runNow('events.send-tickets', { orderId });
    const mail = await smtp.waitForMail('holder@example.test');
    expect(mail.subject).toBe('Your 2 tickets');
    for (const ticket of tickets) expect(mail.text).toContain(ticket.code);
    const images = mail.attachments.filter((a) => a.contentType === 'image/png');
    expect(images).toHaveLength(2);
    // Inline images: each has a content id the HTML points at (mailparser inlines them as data URLs).
    for (const image of images) expect(image.cid).toMatch(/^ticket-\d@rose-ash$/);
    expect(mail.html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(2);
    expect(images[0]?.content.subarray(1, 4).toString('ascii')).toBe('PNG');
  });
});
