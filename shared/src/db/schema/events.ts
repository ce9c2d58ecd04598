/**
 * Events: calendars attached to a blog post/page or a market, their entries, ticket types,
 * issued tickets and free bookings.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { oneOf, tz } from './columns.ts';
import { users } from './users.ts';

/** A blog post, a blog page (same id space as posts, shown by the blog's page route) or a market. */
export const calendarContainerTypes = ['post', 'page', 'market'] as const;
export type CalendarContainerType = (typeof calendarContainerTypes)[number];
export const bookingModes = ['free', 'tickets', 'none'] as const;
export type BookingMode = (typeof bookingModes)[number];
export const calendarEntryStatuses = ['scheduled', 'cancelled'] as const;
export type CalendarEntryStatus = (typeof calendarEntryStatuses)[number];
export const ticketStatuses = ['valid', 'used', 'cancelled'] as const;
export type TicketStatus = (typeof ticketStatuses)[number];
export const bookingStatuses = ['confirmed', 'cancelled'] as const;
export type BookingStatus = (typeof bookingStatuses)[number];

/** Structured address for iCal and the ActivityPub `Place`/`PostalAddress`. */
export interface LocationAddress {
  streetAddress?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country?: string;
}

export const calendars = pgTable(
  'calendars',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /**
     * Polymorphic owner (a blog post/page id or a market id), so no foreign key: the owning
     * app removes its calendars when it deletes the container.
     */
    containerType: text('container_type', { enum: calendarContainerTypes }).notNull(),
    containerId: integer('container_id').notNull(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    /** IANA zone; the app fills it from configuration (Europe/London by default). */
    timezone: text('timezone').notNull(),
    /** Archived calendars keep their entries and feeds but leave listings and the admin's list. */
    archivedAt: timestamp('archived_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('calendars_slug_key').on(t.slug),
    // The container widget lists a post's or market's calendars.
    index('calendars_container_idx').on(t.containerType, t.containerId),
    check('calendars_container_type_check', oneOf(t.containerType, calendarContainerTypes)),
  ],
);
export type Calendar = typeof calendars.$inferSelect;
export type NewCalendar = typeof calendars.$inferInsert;

export const calendarEntries = pgTable(
  'calendar_entries',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    calendarId: integer('calendar_id')
      .notNull()
      .references(() => calendars.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    /** Sanitised HTML (also the `content` of the ActivityPub `Event`). */
    description: text('description'),
    /** One line for listings and the `summary` Mastodon shows. */
    summary: text('summary'),
    imageUrl: text('image_url'),
    /**
     * All-day entries start at local midnight of their first day and end at local midnight
     * after their last day (exclusive, as iCal's DTEND;VALUE=DATE).
     */
    startsAt: timestamp('starts_at', tz).notNull(),
    endsAt: timestamp('ends_at', tz),
    allDay: boolean('all_day').notNull().default(false),
    /** The zone the entry is shown in (iCal `TZID`), usually the calendar's. */
    timezone: text('timezone').notNull(),
    locationName: text('location_name'),
    locationAddress: jsonb('location_address').$type<LocationAddress>(),
    locationLat: doublePrecision('location_lat'),
    locationLng: doublePrecision('location_lng'),
    /** Seats for free booking; null means unlimited. Ticketed entries count ticket types instead. */
    capacity: integer('capacity'),
    /**
     * Seats held by confirmed bookings, moved only by the conditional updates that book and
     * cancel (in the booking's transaction), so the check below is the last word on overbooking.
     */
    bookedSeats: integer('booked_seats').notNull().default(0),
    bookingMode: text('booking_mode', { enum: bookingModes }).notNull().default('none'),
    status: text('status', { enum: calendarEntryStatuses }).notNull().default('scheduled'),
    /** What bookers were told when the entry was cancelled. */
    cancellationNote: text('cancellation_note'),
    cancelledAt: timestamp('cancelled_at', tz),
    /** iCal SEQUENCE: bumped by every edit a subscriber should notice. */
    sequence: integer('sequence').notNull().default(0),
    /** Entries expanded from one weekly rule share this id. */
    seriesId: uuid('series_id'),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('calendar_entries_calendar_id_slug_key').on(t.calendarId, t.slug),
    index('calendar_entries_series_id_idx').on(t.seriesId),
    index('calendar_entries_calendar_id_starts_at_idx').on(t.calendarId, t.startsAt),
    // "Upcoming" across all calendars.
    index('calendar_entries_starts_at_idx').on(t.startsAt),
    check('calendar_entries_ends_after_start_check', sql`${t.endsAt} >= ${t.startsAt}`),
    check('calendar_entries_capacity_check', sql`${t.capacity} >= 0`),
    check(
      'calendar_entries_booked_seats_check',
      sql`${t.bookedSeats} >= 0 and (${t.capacity} is null or ${t.bookedSeats} <= ${t.capacity})`,
    ),
    check(
      'calendar_entries_location_coordinates_check',
      sql`(${t.locationLat} is null) = (${t.locationLng} is null) and ${t.locationLat} between -90 and 90 and ${t.locationLng} between -180 and 180`,
    ),
    check('calendar_entries_booking_mode_check', oneOf(t.bookingMode, bookingModes)),
    check('calendar_entries_status_check', oneOf(t.status, calendarEntryStatuses)),
  ],
);
export type CalendarEntry = typeof calendarEntries.$inferSelect;
export type NewCalendarEntry = typeof calendarEntries.$inferInsert;

export const ticketTypes = pgTable(
  'ticket_types',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    // Cascade, but tickets restrict their type: an entry with issued tickets cannot be
    // deleted (cancel it instead), one whose tickets never sold can.
    entryId: integer('entry_id')
      .notNull()
      .references(() => calendarEntries.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    pricePence: integer('price_pence').notNull(),
    currency: text('currency').notNull(),
    quantity: integer('quantity').notNull(),
    /** Incremented in the same transaction that issues tickets; the check makes oversell fail. */
    sold: integer('sold').notNull().default(0),
    /**
     * Places held for unpaid cart orders (added by the cart issue): taken at checkout with a
     * conditional update, given back when a payment fails or expires, and turned into `sold`
     * when the order is paid. Available = quantity − sold − reserved.
     */
    reserved: integer('reserved').notNull().default(0),
    sortOrder: integer('sort_order').notNull().default(0),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    index('ticket_types_entry_id_idx').on(t.entryId),
    check('ticket_types_price_pence_check', sql`${t.pricePence} >= 0`),
    check('ticket_types_currency_check', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('ticket_types_quantity_check', sql`${t.quantity} >= 0`),
    check('ticket_types_sold_check', sql`${t.sold} >= 0 and ${t.sold} <= ${t.quantity}`),
    check(
      'ticket_types_reserved_check',
      sql`${t.reserved} >= 0 and ${t.sold} + ${t.reserved} <= ${t.quantity}`,
    ),
  ],
);
export type TicketType = typeof ticketTypes.$inferSelect;
export type NewTicketType = typeof ticketTypes.$inferInsert;

/**
 * Free bookings. A member holds at most one confirmed booking per entry (the partial unique
 * index), so booking twice updates seats instead of double-counting capacity. Remote fediverse
 * RSVPs (`Join`) are bookings with `remote_actor_uri` instead of a user.
 */
export const bookings = pgTable(
  'bookings',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    entryId: integer('entry_id')
      .notNull()
      .references(() => calendarEntries.id, { onDelete: 'cascade' }),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    remoteActorUri: text('remote_actor_uri'),
    seats: integer('seats').notNull().default(1),
    status: text('status', { enum: bookingStatuses }).notNull().default('confirmed'),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    cancelledAt: timestamp('cancelled_at', tz),
  },
  (t) => [
    uniqueIndex('bookings_entry_id_user_id_confirmed_key')
      .on(t.entryId, t.userId)
      .where(sql`${t.status} = 'confirmed'`),
    uniqueIndex('bookings_entry_id_remote_actor_uri_confirmed_key')
      .on(t.entryId, t.remoteActorUri)
      .where(sql`${t.status} = 'confirmed'`),
    index('bookings_user_id_idx').on(t.userId),
    check('bookings_seats_check', sql`${t.seats} > 0`),
    check('bookings_status_check', oneOf(t.status, bookingStatuses)),
    check('bookings_booker_check', sql`num_nonnulls(${t.userId}, ${t.remoteActorUri}) = 1`),
  ],
);
export type Booking = typeof bookings.$inferSelect;
export type NewBooking = typeof bookings.$inferInsert;
