/**
 * The events app's e-mails, each sent by a job (shared/src/contracts/jobs.ts) so a mail server
 * hiccup is retried rather than lost: a booking's confirmation with the entry as an `.ics`,
 * a cancellation notice to each booker, and an order's tickets with their QR codes inline.
 */
import type { BookingDetailDto, CalendarEntryDto } from '@rose-ash/shared/contracts/dtos.ts';
import { createMailer, type Mailer } from '@rose-ash/shared/infrastructure/mail.ts';
import { entryUrl, entryWhenWhere } from '@rose-ash/shared/services/calendar/entry-activities.ts';
import { ticketCheckUrl, ticketQrPng } from '@rose-ash/shared/services/calendar/ticket-codes.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { entryIcs } from './ical.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The events app's outgoing mail (SMTP_URL; the log in development). */
    eventsMailer: Mailer;
  }
}

export const eventsMail = fp(
  async (app: FastifyInstance) => {
    const mailer = createMailer(app.config, app.log);
    app.decorate('eventsMailer', mailer);
    app.addHook('onClose', async () => mailer.close());
  },
  { name: 'events-mail', fastify: '5.x' },
);

/** Outcome of a mail job: what was sent, or why nothing was. */
export type MailOutcome = { sent: number } | { skipped: string };

async function bookingAndEntry(
  app: FastifyInstance,
  bookingId: number,
): Promise<{ detail: BookingDetailDto; entry: CalendarEntryDto } | null> {
  const detail = await app.services.calendar.getBookingDetail(bookingId);
  if (!detail?.email) return null;
  const entry = await app.services.calendar.getEntryById(detail.entry.id);
  return entry ? { detail, entry } : null;
}

/** The confirmation of a booking, with the entry as `invite.ics`. */
export async function sendBookingConfirmation(app: FastifyInstance, bookingId: number): Promise<MailOutcome> {
  const found = await bookingAndEntry(app, bookingId);
  if (!found) return { skipped: 'no such booking or no e-mail' };
  const { detail, entry } = found;
  if (detail.booking.status !== 'confirmed') return { skipped: 'booking cancelled since' };
  const url = entryUrl(app.config, entry.calendar.slug, entry.slug);
  const whenWhere = entryWhenWhere(app.config, entry);
  const seats = detail.booking.seats;
  const context = { entry, url, when_where: whenWhere, seats, name: detail.name };
  await app.eventsMailer.send({
    to: detail.email as string,
    subject: `Booked: ${entry.title}`,
    text: [
      `Hello${detail.name ? ` ${detail.name}` : ''},`,
      '',
      `You have ${seats} ${seats === 1 ? 'place' : 'places'} at ${entry.title}.`,
      whenWhere,
      '',
      `Details, and cancelling if your plans change: ${url}`,
      '',
      'The attached invitation adds it to your calendar.',
    ].join('\n'),
    html: app.templates.render('mail/booking-confirmation.njk', context),
    attachments: [
      {
        filename: 'invite.ics',
        content: entryIcs(app.config, entry),
        contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
      },
    ],
  });
  return { sent: 1 };
}

/** Tells one booker their entry was cancelled, with the note the organisers gave. */
export async function sendCancellationNotice(app: FastifyInstance, bookingId: number): Promise<MailOutcome> {
  const found = await bookingAndEntry(app, bookingId);
  if (!found) return { skipped: 'no such booking or no e-mail' };
  const { detail, entry } = found;
  if (entry.status !== 'cancelled') return { skipped: 'entry not cancelled' };
  const url = entryUrl(app.config, entry.calendar.slug, entry.slug);
  const whenWhere = entryWhenWhere(app.config, entry);
  await app.eventsMailer.send({
    to: detail.email as string,
    subject: `Cancelled: ${entry.title}`,
    text: [
      `Hello${detail.name ? ` ${detail.name}` : ''},`,
      '',
      `We are sorry: ${entry.title} (${whenWhere}) is cancelled.`,
      ...(entry.cancellationNote ? ['', entry.cancellationNote] : []),
      '',
      url,
    ].join('\n'),
    html: app.templates.render('mail/cancellation-notice.njk', {
      entry,
      url,
      when_where: whenWhere,
      name: detail.name,
    }),
    // The same UID with STATUS:CANCELLED and a higher SEQUENCE removes it from calendars.
    attachments: [
      {
        filename: 'cancelled.ics',
        content: entryIcs(app.config, entry),
        contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
      },
    ],
  });
  return { sent: 1 };
}

/** An order's tickets: one mail to the holder, every ticket's code and QR code inline. */
export async function sendTickets(app: FastifyInstance, orderId: number): Promise<MailOutcome> {
  const tickets = await app.services.calendar.listOrderTickets(orderId);
  if (tickets.length === 0) return { skipped: 'no tickets for this order' };
  const events = app.config.apps.events.publicUrl;
  const to = tickets[0]?.holderEmail as string;
  const withQr = await Promise.all(
    tickets.map(async (t, i) => ({
      ticket: t,
      cid: `ticket-${i + 1}@rose-ash`,
      png: await ticketQrPng(events, t.code),
      url: entryUrl(app.config, t.entry.calendar.slug, t.entry.slug),
      whenWhere: entryWhenWhere(app.config, t.entry),
    })),
  );
  await app.eventsMailer.send({
    to,
    subject:
      tickets.length === 1 ? `Your ticket: ${tickets[0]?.entry.title}` : `Your ${tickets.length} tickets`,
    text: [
      'Your tickets — show the code (or its QR code) at the door:',
      '',
      ...withQr.flatMap((t) => [
        `${t.ticket.entry.title} — ${t.ticket.ticketType.name}`,
        t.whenWhere,
        `Code: ${t.ticket.code}`,
        t.url,
        '',
      ]),
    ].join('\n'),
    html: app.templates.render('mail/tickets.njk', {
      tickets: withQr.map((t) => ({
        ticket: t.ticket,
        cid: t.cid,
        url: t.url,
        when_where: t.whenWhere,
        check_url: ticketCheckUrl(events, t.ticket.code),
      })),
    }),
    attachments: withQr.map((t) => ({
      filename: `ticket-${t.ticket.code}.png`,
      content: t.png,
      contentType: 'image/png',
      cid: t.cid,
    })),
  });
  return { sent: 1 };
}
