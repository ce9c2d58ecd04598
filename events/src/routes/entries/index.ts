import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import type { BookSeatsResult, CalendarEntryDto } from '@rose-ash/shared/contracts/dtos.ts';
import { Slug } from '@rose-ash/shared/contracts/http.ts';
import { wantsActivityJson } from '@rose-ash/shared/infrastructure/activitypub/plugin.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { loginUrl, requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import { entryUrl, entryWhen } from '@rose-ash/shared/services/calendar/entry-activities.ts';
import { isoWithOffset } from '@rose-ash/shared/services/calendar/zoned-time.ts';
import { z } from 'zod';
import { entryIcs, webcalUrl } from '../../services/ical.ts';
import { eventsSettings } from '../../services/settings.ts';

const EntryParams = z.object({ calendar: Slug, entry: Slug });
const BookForm = z.object({
  _csrf: z.string().max(200).optional(),
  seats: z.coerce.number().int().min(1, 'Book at least one place').max(100).default(1),
});
const CancelForm = z.object({
  _csrf: z.string().max(200).optional(),
  booking_id: z.coerce.number().int().positive().max(2_147_483_647),
});

/** What a member is told when a booking is refused. */
function refusalMessage(result: Extract<BookSeatsResult, { ok: false }>): string {
  switch (result.reason) {
    case 'full':
      return result.placesLeft
        ? `Sorry, only ${result.placesLeft} ${result.placesLeft === 1 ? 'place is' : 'places are'} left.`
        : 'Sorry, this event is full.';
    case 'over-limit':
      return `You can book at most ${result.limit} places.`;
    case 'closed':
      return 'Booking has closed: this event has started.';
    case 'cancelled':
      return 'This event is cancelled.';
    default:
      return 'This event cannot be booked here.';
  }
}

/** A map link for the entry's place: its coordinates, else its address searched. */
function mapUrl(entry: CalendarEntryDto): string | null {
  if (entry.locationLat !== null && entry.locationLng !== null) {
    const [lat, lng] = [entry.locationLat, entry.locationLng];
    return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=17/${lat}/${lng}`;
  }
  const a = entry.locationAddress;
  const query = [entry.locationName, a?.streetAddress, a?.locality, a?.postalCode, a?.country]
    .filter(Boolean)
    .join(', ');
  return query ? `https://www.openstreetmap.org/search?query=${encodeURIComponent(query)}` : null;
}

/** schema.org `Event` for search engines, serialised so it cannot close its script element. */
function jsonLd(config: AppConfig, entry: CalendarEntryDto, url: string): string {
  const a = entry.locationAddress;
  const doc = {
    '@context': 'https://schema.org',
    '@type': 'Event',
    name: entry.title,
    url,
    ...(entry.summary ? { description: entry.summary } : {}),
    ...(entry.imageUrl ? { image: [entry.imageUrl] } : {}),
    startDate: entry.allDay
      ? isoWithOffset(entry.startsAt, entry.timezone).slice(0, 10)
      : isoWithOffset(entry.startsAt, entry.timezone),
    ...(entry.endsAt
      ? {
          endDate: entry.allDay
            ? isoWithOffset(new Date(entry.endsAt.getTime() - 1), entry.timezone).slice(0, 10)
            : isoWithOffset(entry.endsAt, entry.timezone),
        }
      : {}),
    eventStatus: `https://schema.org/${entry.status === 'cancelled' ? 'EventCancelled' : 'EventScheduled'}`,
    eventAttendanceMode: 'https://schema.org/OfflineEventAttendanceMode',
    ...(entry.locationName || a
      ? {
          location: {
            '@type': 'Place',
            name: entry.locationName ?? '',
            ...(a
              ? {
                  address: {
                    '@type': 'PostalAddress',
                    ...(a.streetAddress ? { streetAddress: a.streetAddress } : {}),
                    ...(a.locality ? { addressLocality: a.locality } : {}),
                    ...(a.region ? { addressRegion: a.region } : {}),
                    ...(a.postalCode ? { postalCode: a.postalCode } : {}),
                    ...(a.country ? { addressCountry: a.country } : {}),
                  },
                }
              : {}),
            ...(entry.locationLat !== null && entry.locationLng !== null
              ? {
                  geo: {
                    '@type': 'GeoCoordinates',
                    latitude: entry.locationLat,
                    longitude: entry.locationLng,
                  },
                }
              : {}),
          },
        }
      : {}),
    organizer: { '@type': 'Organization', name: config.site.name, url: config.apps.events.publicUrl },
    ...(entry.bookingMode === 'tickets'
      ? {
          offers: entry.ticketTypes.map((t) => ({
            '@type': 'Offer',
            name: t.name,
            price: (t.pricePence / 100).toFixed(2),
            priceCurrency: t.currency,
            availability: `https://schema.org/${t.remaining > 0 ? 'InStock' : 'SoldOut'}`,
            url,
          })),
        }
      : entry.bookingMode === 'free'
        ? { isAccessibleForFree: true }
        : {}),
  };
  return JSON.stringify(doc).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/**
 * An entry's page (and, for ActivityPub clients, its `Event`), its iCal file, and booking:
 * signed-in members book or change their places and cancel until the cut-off.
 */
const entryRoutes: RoutePlugin = async (app) => {
  const settings = eventsSettings(app.config);

  app.get('/:calendar/:entry/', { schema: { params: EntryParams } }, async (request, reply) => {
    const { calendar, entry: slug } = request.params;
    // One URL for people and servers: the same address is the Event's id.
    reply.header('vary', 'Accept');
    if (wantsActivityJson(request.headers.accept)) {
      const found = await app.services.calendar.getEventObject(calendar, slug);
      if (found.kind === 'none') throw new AppError('RESOURCE_NOT_FOUND');
      if (found.kind === 'gone')
        throw new AppError('RESOURCE_GONE', 'This event was deleted', { activity: found.tombstone });
      return reply.type('application/activity+json; charset=utf-8').send(found.event);
    }
    const entry = await app.services.calendar.getEntry(calendar, slug);
    if (!entry) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const url = entryUrl(app.config, calendar, slug);
    const booking = request.user
      ? await app.services.calendar.getMemberBooking(entry.id, request.user.id)
      : null;
    const now = Date.now();
    const cutoffMs = settings.booking.cancel_cutoff_hours * 3_600_000;
    const ics = `${app.config.apps.events.publicUrl}/${calendar}/${slug}.ics`;
    reply.header('cache-control', 'private, no-cache');
    return reply.view('entry.njk', {
      title: entry.title,
      description: entry.summary ?? undefined,
      canonical_url: url,
      entry,
      entry_url: url,
      when: entryWhen(app.config, entry),
      map_url: mapUrl(entry),
      ics_url: ics,
      webcal_url: webcalUrl(ics),
      json_ld: jsonLd(app.config, entry, url),
      booking,
      can_cancel: booking !== null && now < entry.startsAt.getTime() - cutoffMs,
      bookable:
        entry.bookingMode === 'free' && entry.status === 'scheduled' && entry.startsAt.getTime() > now,
      // A member changing their booking may keep their own places plus what is left.
      max_seats: Math.max(
        1,
        Math.min(
          settings.booking.max_seats_per_member,
          (entry.placesLeft ?? Number.POSITIVE_INFINITY) + (booking?.seats ?? 0),
          20,
        ),
      ),
      seat_limit: settings.booking.max_seats_per_member,
      sign_in_url: loginUrl(`/${calendar}/${slug}/`),
      cart_add_url: `${app.config.apps.cart.publicUrl}/add`,
      cutoff_hours: settings.booking.cancel_cutoff_hours,
    });
  });

  app.get('/:calendar/:entry.ics', { schema: { params: EntryParams } }, async (request, reply) => {
    const entry = await app.services.calendar.getEntry(request.params.calendar, request.params.entry);
    if (!entry) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    return reply
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', `attachment; filename="${entry.slug}.ics"`)
      .send(entryIcs(app.config, entry));
  });

  app.post(
    '/:calendar/:entry/book',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { params: EntryParams, body: BookForm },
    },
    async (request, reply) => {
      const { calendar, entry: slug } = request.params;
      const back = `/${calendar}/${slug}/`;
      const entry = await app.services.calendar.getEntry(calendar, slug);
      if (!entry) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      const user = request.user as NonNullable<typeof request.user>;
      const result = await app.services.calendar.bookSeats({
        entryId: entry.id,
        userId: user.id,
        seats: request.body.seats,
      });
      if (!result.ok) {
        // Full is not an error of the request: the page says so and offers what is left.
        setFlash(reply, app.config, { kind: 'error', message: refusalMessage(result) });
        return reply.redirect(back, 303);
      }
      await app.jobs.send('events.booking-confirmation', { bookingId: result.booking.id });
      const seats = result.booking.seats;
      setFlash(reply, app.config, {
        kind: 'success',
        message: `You are booked: ${seats} ${seats === 1 ? 'place' : 'places'}. A confirmation is on its way by e-mail.`,
      });
      return reply.redirect(back, 303);
    },
  );

  app.post(
    '/:calendar/:entry/cancel',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { params: EntryParams, body: CancelForm },
    },
    async (request, reply) => {
      const { calendar, entry: slug } = request.params;
      const user = request.user as NonNullable<typeof request.user>;
      const result = await app.services.calendar.cancelBooking({
        bookingId: request.body.booking_id,
        userId: user.id,
      });
      setFlash(
        reply,
        app.config,
        result.ok
          ? { kind: 'success', message: 'Your booking is cancelled and your places released.' }
          : {
              kind: 'error',
              message:
                result.reason === 'too-late'
                  ? `Bookings can be cancelled until ${settings.booking.cancel_cutoff_hours} hours before the start.`
                  : 'There is no booking of yours to cancel.',
            },
      );
      return reply.redirect(`/${calendar}/${slug}/`, 303);
    },
  );
};

export default entryRoutes;
