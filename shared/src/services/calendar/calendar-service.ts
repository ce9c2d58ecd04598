import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, gte, inArray, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import {
  type BookingDetailDto,
  BookingDetailDto as BookingDetailSchema,
  BookingDto,
  type CalendarAdminResult,
  CalendarDto,
  CalendarEntryDto,
  CalendarEntrySummaryDto,
  type ContainerRefDto,
  EntryBookingRowDto,
  type EntryInputDto,
  freeze,
  freezeAll,
  TicketDetailDto,
  TicketDto,
  TicketTypeDto,
} from '../../contracts/dtos.ts';
import type { BlogService, CalendarService, FederationService } from '../../contracts/protocols.ts';
import { PAGE_TAGS } from '../../contracts/widgets.ts';
import type { DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import {
  apActivities,
  bookings,
  type CalendarEntry,
  calendarEntries,
  calendars,
  tickets,
  ticketTypes,
  users,
} from '../../db/schema/index.ts';
import { sanitizeRemoteHtml } from '../../infrastructure/activitypub/sanitize.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { invalidateFragment } from '../../infrastructure/fragments.ts';
import { purgePageCache } from '../../infrastructure/page-cache.ts';
import { type BookingPolicy, bookingPolicyOf } from './booking-policy.ts';
import { buildEvent, emitEntryActivity, entryUrl, eventTombstone } from './entry-activities.ts';
import { createMemberData } from './member-data.ts';
import { newTicketCode, normalizeTicketCode } from './ticket-codes.ts';
import { createTicketReservations } from './ticket-reservations.ts';
import { addLocalWeeks, endOfLocal, localDate } from './zoned-time.ts';

export { newTicketCode } from './ticket-codes.ts';

export interface CalendarServiceDeps {
  db: DatabaseHandle;
  /** Injected in tests; defaults to the wall clock. */
  now?: () => Date;
  /** Site configuration: time zone, currency, the events URL and the booking policy. */
  config?: AppConfig | null;
  /** Pages and the container widget are purged through it when bookings or entries change. */
  cache?: Cache | null;
  /** Entries are announced as `Event`s through it (null: not announced). */
  federation?: FederationService | null;
  /** Finds the slug of a blog post or page holding a calendar, to purge its cached page. */
  blog?: Pick<BlogService, 'getEditablePost'> | null;
  /** Overrides the policy read from `config` (tests). */
  policy?: BookingPolicy;
  log?: { warn(obj: unknown, msg?: string): void };
}

/** Slugs a calendar cannot take: they are the events app's own paths. */
const RESERVED_SLUGS = new Set([
  'admin',
  'tickets',
  'static',
  'internal',
  'ap',
  'auth',
  'api',
  'healthz',
  'readyz',
  'nodeinfo',
  'users',
  'bookings',
  'my',
]);
const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;
const MAX_SERIES = 104;

type EntryRow = CalendarEntry;

/** Thrown inside a transaction so an expected refusal rolls it back; returned as a value. */
class Refusal extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

function refuse<T>(reason: string, message: string): CalendarAdminResult<T> {
  return { ok: false, reason, message };
}

/** Postgres unique violation on the named constraint. */
function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = (err as { cause?: unknown })?.cause ?? err;
  const o = e as { code?: string; constraint?: string; message?: string };
  return o?.code === '23505' && (o.constraint === constraint || (o.message ?? '').includes(constraint));
}

/** Calendars, entries, bookings and tickets over the shared schema. */
export function createCalendarService(deps: CalendarServiceDeps): CalendarService {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const config = deps.config ?? null;
  const policy: BookingPolicy =
    deps.policy ?? (config ? bookingPolicyOf(config) : { maxSeatsPerMember: 4, cancelCutoffMs: 86_400_000 });
  const siteZone = config?.site.timezone ?? 'Europe/London';
  const currency = config?.site.currency ?? 'GBP';
  const federation = deps.federation ?? null;

  // ---- summaries -------------------------------------------------------------------------

  const ticketsLeft = sql<
    number | null
  >`(select sum(${ticketTypes.quantity} - ${ticketTypes.sold} - ${ticketTypes.reserved})::int from ${ticketTypes} where ${ticketTypes.entryId} = ${calendarEntries.id})`;
  const fromPrice = sql<
    number | null
  >`(select min(${ticketTypes.pricePence})::int from ${ticketTypes} where ${ticketTypes.entryId} = ${calendarEntries.id})`;
  const summaryColumns = {
    id: calendarEntries.id,
    slug: calendarEntries.slug,
    title: calendarEntries.title,
    summary: calendarEntries.summary,
    startsAt: calendarEntries.startsAt,
    endsAt: calendarEntries.endsAt,
    allDay: calendarEntries.allDay,
    timezone: calendarEntries.timezone,
    locationName: calendarEntries.locationName,
    status: calendarEntries.status,
    bookingMode: calendarEntries.bookingMode,
    capacity: calendarEntries.capacity,
    bookedSeats: calendarEntries.bookedSeats,
    ticketsLeft,
    fromPrice,
    calendarId: calendars.id,
    calendarSlug: calendars.slug,
    calendarName: calendars.name,
  };

  function placesLeftOf(row: {
    bookingMode: string;
    capacity: number | null;
    bookedSeats: number;
    ticketsLeft: number | null;
  }): number | null {
    if (row.bookingMode === 'free')
      return row.capacity === null ? null : Math.max(0, row.capacity - row.bookedSeats);
    if (row.bookingMode === 'tickets') return Math.max(0, Number(row.ticketsLeft ?? 0));
    return null;
  }

  function toSummary(row: SummaryRow): CalendarEntrySummaryDto {
    return freeze(CalendarEntrySummaryDto, {
      id: row.id,
      slug: row.slug,
      title: row.title,
      summary: row.summary,
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      allDay: row.allDay,
      timezone: row.timezone,
      locationName: row.locationName,
      status: row.status,
      bookingMode: row.bookingMode,
      placesLeft: placesLeftOf(row),
      fromPricePence: row.bookingMode === 'tickets' && row.fromPrice !== null ? Number(row.fromPrice) : null,
      calendar: { id: row.calendarId, slug: row.calendarSlug, name: row.calendarName },
    });
  }

  const selectSummaries = (q: DatabaseLike = db.db) =>
    q
      .select(summaryColumns)
      .from(calendarEntries)
      .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId));
  type SummaryRow = Awaited<ReturnType<typeof selectSummaries>>[number];

  // An entry still running counts as upcoming until it ends.
  const upcoming = () =>
    and(
      eq(calendarEntries.status, 'scheduled'),
      isNull(calendars.archivedAt),
      gte(sql`coalesce(${calendarEntries.endsAt}, ${calendarEntries.startsAt})`, now()),
    );

  // ---- details ---------------------------------------------------------------------------

  const calendarOf = (c: typeof calendars.$inferSelect): CalendarDto =>
    freeze(CalendarDto, {
      id: c.id,
      slug: c.slug,
      name: c.name,
      description: c.description,
      timezone: c.timezone,
      container: { type: c.containerType, id: c.containerId },
      archivedAt: c.archivedAt,
    });

  async function loadEntries(where: SQL, q: DatabaseLike = db.db, limit = 1): Promise<CalendarEntryDto[]> {
    const rows = await q
      .select({ entry: calendarEntries, calendar: calendars })
      .from(calendarEntries)
      .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
      .where(where)
      .orderBy(asc(calendarEntries.startsAt), asc(calendarEntries.id))
      .limit(limit);
    if (rows.length === 0) return [];
    const types = await q
      .select()
      .from(ticketTypes)
      .where(
        inArray(
          ticketTypes.entryId,
          rows.map((r) => r.entry.id),
        ),
      )
      .orderBy(asc(ticketTypes.sortOrder), asc(ticketTypes.id));
    return rows.map(({ entry: e, calendar }) => {
      const own = types.filter((t) => t.entryId === e.id);
      const ticketsRemaining = own.reduce((n, t) => n + (t.quantity - t.sold - t.reserved), 0);
      return freeze(CalendarEntryDto, {
        id: e.id,
        slug: e.slug,
        title: e.title,
        summary: e.summary,
        description: e.description,
        imageUrl: e.imageUrl,
        startsAt: e.startsAt,
        endsAt: e.endsAt,
        allDay: e.allDay,
        timezone: e.timezone,
        locationName: e.locationName,
        locationAddress: e.locationAddress ?? null,
        locationLat: e.locationLat,
        locationLng: e.locationLng,
        capacity: e.capacity,
        bookedSeats: e.bookedSeats,
        bookingMode: e.bookingMode,
        status: e.status,
        cancellationNote: e.cancellationNote,
        placesLeft: placesLeftOf({ ...e, ticketsLeft: ticketsRemaining }),
        sequence: e.sequence,
        seriesId: e.seriesId,
        createdAt: e.createdAt,
        updatedAt: e.updatedAt,
        calendar: calendarOf(calendar),
        ticketTypes: own.map(ticketTypeOf),
      });
    });
  }

  async function loadEntry(where: SQL, q: DatabaseLike = db.db): Promise<CalendarEntryDto | null> {
    return (await loadEntries(where, q, 1))[0] ?? null;
  }

  const ticketTypeOf = (t: typeof ticketTypes.$inferSelect): TicketTypeDto =>
    freeze(TicketTypeDto, {
      id: t.id,
      name: t.name,
      description: t.description,
      pricePence: t.pricePence,
      currency: t.currency,
      quantity: t.quantity,
      sold: t.sold,
      remaining: Math.max(0, t.quantity - t.sold - t.reserved),
    });

  // ---- purging ---------------------------------------------------------------------------

  /** Drops the cached pages and the container widget that show a calendar's entries. */
  async function purgeFor(container: ContainerRefDto): Promise<void> {
    const cache = deps.cache;
    if (!cache) return;
    try {
      const tags: string[] = [PAGE_TAGS.events];
      if (container.type === 'market') tags.push(PAGE_TAGS.markets);
      else if (deps.blog) {
        const post = await deps.blog.getEditablePost(container.id);
        if (post) tags.push(PAGE_TAGS.blogPost(post.slug));
      }
      await Promise.all([
        purgePageCache(cache, tags),
        invalidateFragment(cache, 'container-widget', { params: { type: container.type, id: container.id } }),
      ]);
    } catch (err) {
      // The change is committed; a cache outage only leaves copies to expire on their own.
      deps.log?.warn({ err, container }, 'events purge failed');
    }
  }

  // ---- bookings --------------------------------------------------------------------------

  const bookingOf = (b: typeof bookings.$inferSelect): BookingDto =>
    freeze(BookingDto, {
      id: b.id,
      entryId: b.entryId,
      userId: b.userId,
      seats: b.seats,
      status: b.status,
      createdAt: b.createdAt,
      cancelledAt: b.cancelledAt,
    });

  const cancellableAt = (startsAt: Date) => new Date(startsAt.getTime() - policy.cancelCutoffMs);

  async function bookingDetails(where: SQL): Promise<BookingDetailDto[]> {
    const rows = await db.db
      .select({
        booking: bookings,
        email: users.email,
        name: users.displayName,
        ...summaryColumns,
      })
      .from(bookings)
      .innerJoin(calendarEntries, eq(calendarEntries.id, bookings.entryId))
      .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
      .leftJoin(users, eq(users.id, bookings.userId))
      .where(where)
      .orderBy(asc(calendarEntries.startsAt), asc(bookings.id));
    const at = now();
    return rows.map(({ booking, email, name, ...summary }) =>
      freeze(BookingDetailSchema, {
        booking: bookingOf(booking),
        entry: toSummary(summary as SummaryRow),
        email,
        name,
        cancellable:
          booking.status === 'confirmed' &&
          summary.status === 'scheduled' &&
          at < cancellableAt(summary.startsAt),
      }),
    );
  }

  // ---- tickets ---------------------------------------------------------------------------

  async function ticketDetails(where: SQL, q: DatabaseLike = db.db): Promise<TicketDetailDto[]> {
    const rows = await q
      .select({
        ticket: tickets,
        typeName: ticketTypes.name,
        typePrice: ticketTypes.pricePence,
        typeCurrency: ticketTypes.currency,
        ...summaryColumns,
      })
      .from(tickets)
      .innerJoin(ticketTypes, eq(ticketTypes.id, tickets.ticketTypeId))
      .innerJoin(calendarEntries, eq(calendarEntries.id, ticketTypes.entryId))
      .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
      .where(where)
      .orderBy(asc(calendarEntries.startsAt), asc(tickets.id));
    return rows.map(({ ticket, typeName, typePrice, typeCurrency, ...summary }) =>
      freeze(TicketDetailDto, {
        id: ticket.id,
        code: ticket.code,
        status: ticket.status,
        usedAt: ticket.usedAt,
        holderEmail: ticket.holderEmail,
        holderName: ticket.holderName,
        orderId: ticket.orderId,
        ticketType: {
          id: ticket.ticketTypeId,
          name: typeName,
          pricePence: typePrice,
          currency: typeCurrency,
        },
        entry: toSummary(summary as SummaryRow),
      }),
    );
  }

  // ---- admin helpers ---------------------------------------------------------------------

  /** The row values an entry form sets (sanitised; an all-day end defaults to the next midnight). */
  function entryValues(input: EntryInputDto) {
    const description = input.description?.trim() ? sanitizeRemoteHtml(input.description) : null;
    return {
      title: input.title,
      summary: input.summary || null,
      description,
      imageUrl: input.imageUrl || null,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      allDay: input.allDay,
      locationName: input.locationName || null,
      locationAddress:
        input.locationAddress && Object.values(input.locationAddress).some(Boolean)
          ? { ...input.locationAddress }
          : null,
      locationLat: input.locationLat,
      locationLng: input.locationLng,
      capacity: input.capacity,
      bookingMode: input.bookingMode,
    };
  }

  function checkEntryInput(input: EntryInputDto): string | null {
    if (input.endsAt && input.endsAt < input.startsAt) return 'The end is before the start';
    if ((input.locationLat === null) !== (input.locationLng === null))
      return 'Give both latitude and longitude, or neither';
    return null;
  }

  /** A slug not taken in the calendar: `base`, else `base-2`, `base-3`, ... */
  async function freeSlug(q: DatabaseLike, calendarId: number, base: string): Promise<string> {
    const taken = new Set(
      (
        await q
          .select({ slug: calendarEntries.slug })
          .from(calendarEntries)
          .where(
            and(
              eq(calendarEntries.calendarId, calendarId),
              or(eq(calendarEntries.slug, base), sql`${calendarEntries.slug} like ${`${base}-%`}`),
            ),
          )
      ).map((r) => r.slug),
    );
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  async function inTransaction<T>(
    fn: (tx: DatabaseLike) => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; reason: string; message: string }> {
    try {
      return { ok: true, value: await db.db.transaction(fn) };
    } catch (err) {
      if (err instanceof Refusal) return { ok: false, reason: err.reason, message: err.message };
      throw err;
    }
  }

  const containerOfEntry = async (entryId: number): Promise<ContainerRefDto | null> => {
    const [row] = await db.db
      .select({ type: calendars.containerType, id: calendars.containerId })
      .from(calendarEntries)
      .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
      .where(eq(calendarEntries.id, entryId));
    return row ?? null;
  };

  const federationDeps = config ? { config, federation } : null;
  const announce = async (
    tx: DatabaseLike,
    type: 'Create' | 'Update' | 'Delete',
    entry: CalendarEntryDto,
  ) => {
    if (federationDeps) await emitEntryActivity(federationDeps, tx, type, entry);
  };

  const service: CalendarService = {
    // Places held for unpaid cart orders (ticket-reservations.ts, owned by the cart).
    ...createTicketReservations({ db, now }),

    async listUpcomingForContainer(container, limit) {
      const rows = await selectSummaries()
        .where(
          and(
            eq(calendars.containerType, container.type),
            eq(calendars.containerId, container.id),
            upcoming(),
          ),
        )
        .orderBy(asc(calendarEntries.startsAt), asc(calendarEntries.id))
        .limit(limit);
      return Object.freeze(rows.map((r) => toSummary(r as SummaryRow)));
    },

    async listUpcoming(limit, filters = {}) {
      const conditions: (SQL | undefined)[] = [upcoming()];
      if (filters.calendarSlug) conditions.push(eq(calendars.slug, filters.calendarSlug));
      if (filters.price === 'paid') conditions.push(eq(calendarEntries.bookingMode, 'tickets'));
      if (filters.price === 'free') conditions.push(ne(calendarEntries.bookingMode, 'tickets'));
      if (filters.within)
        conditions.push(lt(calendarEntries.startsAt, endOfLocal(filters.within, now(), siteZone)));
      const rows = await selectSummaries()
        .where(and(...conditions))
        .orderBy(asc(calendarEntries.startsAt), asc(calendarEntries.id))
        .limit(limit);
      return Object.freeze(rows.map((r) => toSummary(r as SummaryRow)));
    },

    async listCalendars(options = {}) {
      const rows = await db.db
        .select()
        .from(calendars)
        .where(options.includeArchived ? undefined : isNull(calendars.archivedAt))
        .orderBy(asc(calendars.name), asc(calendars.id));
      return Object.freeze(rows.map(calendarOf));
    },

    async getCalendar(slug) {
      const [row] = await db.db.select().from(calendars).where(eq(calendars.slug, slug));
      return row ? calendarOf(row) : null;
    },

    async getCalendarById(id) {
      const [row] = await db.db.select().from(calendars).where(eq(calendars.id, id));
      return row ? calendarOf(row) : null;
    },

    async listCalendarEntries(calendarId, range) {
      const conditions: (SQL | undefined)[] = [eq(calendarEntries.calendarId, calendarId)];
      if (range.to) conditions.push(lt(calendarEntries.startsAt, range.to));
      if (range.from)
        conditions.push(
          gt(sql`coalesce(${calendarEntries.endsAt}, ${calendarEntries.startsAt})`, range.from),
        );
      const rows = await selectSummaries()
        .where(and(...conditions))
        .orderBy(asc(calendarEntries.startsAt), asc(calendarEntries.id))
        .limit(range.limit ?? 500);
      return Object.freeze(rows.map((r) => toSummary(r as SummaryRow)));
    },

    async listEntryDetails(calendarId, range) {
      const conditions: (SQL | undefined)[] = [eq(calendarEntries.calendarId, calendarId)];
      if (range.to) conditions.push(lt(calendarEntries.startsAt, range.to));
      if (range.from)
        conditions.push(
          gt(sql`coalesce(${calendarEntries.endsAt}, ${calendarEntries.startsAt})`, range.from),
        );
      return Object.freeze(await loadEntries(and(...conditions) as SQL, db.db, range.limit ?? 500));
    },

    getEntry(calendarSlug, entrySlug) {
      return loadEntry(and(eq(calendars.slug, calendarSlug), eq(calendarEntries.slug, entrySlug)) as SQL);
    },

    getEntryById(id) {
      return loadEntry(eq(calendarEntries.id, id));
    },

    // ---- bookings ------------------------------------------------------------------------

    async bookSeats({ entryId, userId, seats }) {
      if (!Number.isInteger(seats) || seats < 1 || seats > policy.maxSeatsPerMember) {
        return { ok: false, reason: 'over-limit', limit: policy.maxSeatsPerMember };
      }
      type Outcome = Awaited<ReturnType<CalendarService['bookSeats']>>;
      const outcome: Outcome = await db.db.transaction(async (tx) => {
        // The entry's row lock serialises bookings of one entry: the seat count read below
        // cannot change until this transaction ends, and the conditional update re-checks it.
        const [entry] = await tx
          .select({
            id: calendarEntries.id,
            status: calendarEntries.status,
            bookingMode: calendarEntries.bookingMode,
            startsAt: calendarEntries.startsAt,
            capacity: calendarEntries.capacity,
            bookedSeats: calendarEntries.bookedSeats,
          })
          .from(calendarEntries)
          .where(eq(calendarEntries.id, entryId))
          .for('update');
        if (!entry) return { ok: false, reason: 'not-found' };
        if (entry.status === 'cancelled') return { ok: false, reason: 'cancelled' };
        if (entry.bookingMode !== 'free') return { ok: false, reason: 'not-bookable' };
        if (entry.startsAt <= now()) return { ok: false, reason: 'closed' };
        const [existing] = await tx
          .select()
          .from(bookings)
          .where(
            and(eq(bookings.entryId, entryId), eq(bookings.userId, userId), eq(bookings.status, 'confirmed')),
          );
        const left = entry.capacity === null ? null : entry.capacity - entry.bookedSeats;
        const delta = seats - (existing?.seats ?? 0);
        if (existing && delta === 0) return { ok: true, booking: bookingOf(existing), placesLeft: left };
        const moved = await tx
          .update(calendarEntries)
          .set({ bookedSeats: sql`${calendarEntries.bookedSeats} + ${delta}` })
          .where(
            and(
              eq(calendarEntries.id, entryId),
              sql`(${calendarEntries.capacity} is null or ${calendarEntries.bookedSeats} + ${delta} <= ${calendarEntries.capacity})`,
            ),
          )
          .returning({ capacity: calendarEntries.capacity, bookedSeats: calendarEntries.bookedSeats });
        const [after] = moved;
        if (!after) return { ok: false, reason: 'full', placesLeft: Math.max(0, left ?? 0) };
        const [booking] = existing
          ? await tx.update(bookings).set({ seats }).where(eq(bookings.id, existing.id)).returning()
          : await tx.insert(bookings).values({ entryId, userId, seats }).returning();
        return {
          ok: true,
          booking: bookingOf(booking as typeof bookings.$inferSelect),
          placesLeft: after.capacity === null ? null : after.capacity - after.bookedSeats,
        };
      });
      if (outcome.ok) {
        const container = await containerOfEntry(entryId);
        if (container) await purgeFor(container);
      }
      return outcome;
    },

    async cancelBooking({ bookingId, userId }) {
      type Outcome = Awaited<ReturnType<CalendarService['cancelBooking']>>;
      const outcome: Outcome = await db.db.transaction(async (tx) => {
        const [row] = await tx
          .select({
            booking: bookings,
            startsAt: calendarEntries.startsAt,
            entryStatus: calendarEntries.status,
          })
          .from(bookings)
          .innerJoin(calendarEntries, eq(calendarEntries.id, bookings.entryId))
          .where(
            and(eq(bookings.id, bookingId), eq(bookings.userId, userId), eq(bookings.status, 'confirmed')),
          )
          .for('update');
        if (!row) return { ok: false, reason: 'not-found' };
        if (row.entryStatus === 'scheduled' && now() >= cancellableAt(row.startsAt))
          return { ok: false, reason: 'too-late' };
        const [cancelled] = await tx
          .update(bookings)
          .set({ status: 'cancelled', cancelledAt: now() })
          .where(eq(bookings.id, bookingId))
          .returning();
        await tx
          .update(calendarEntries)
          .set({ bookedSeats: sql`greatest(0, ${calendarEntries.bookedSeats} - ${row.booking.seats})` })
          .where(eq(calendarEntries.id, row.booking.entryId));
        return { ok: true, booking: bookingOf(cancelled as typeof bookings.$inferSelect) };
      });
      if (outcome.ok) {
        const container = await containerOfEntry(outcome.booking.entryId);
        if (container) await purgeFor(container);
      }
      return outcome;
    },

    async getMemberBooking(entryId, userId) {
      const [row] = await db.db
        .select()
        .from(bookings)
        .where(
          and(eq(bookings.entryId, entryId), eq(bookings.userId, userId), eq(bookings.status, 'confirmed')),
        );
      return row ? bookingOf(row) : null;
    },

    async listMemberBookings(userId) {
      const all = await bookingDetails(eq(bookings.userId, userId));
      const at = now();
      const ended = (d: BookingDetailDto) => (d.entry.endsAt ?? d.entry.startsAt) < at;
      // Upcoming (soonest first), then past (most recent first).
      return Object.freeze([...all.filter((d) => !ended(d)), ...all.filter(ended).reverse()]);
    },

    async getBookingDetail(bookingId) {
      const [found] = await bookingDetails(eq(bookings.id, bookingId));
      return found ?? null;
    },

    async listEntryBookings(entryId) {
      const rows = await db.db
        .select({
          bookingId: bookings.id,
          seats: bookings.seats,
          status: bookings.status,
          email: users.email,
          name: users.displayName,
          remoteActorUri: bookings.remoteActorUri,
          createdAt: bookings.createdAt,
          cancelledAt: bookings.cancelledAt,
        })
        .from(bookings)
        .leftJoin(users, eq(users.id, bookings.userId))
        .where(eq(bookings.entryId, entryId))
        .orderBy(asc(bookings.status), asc(bookings.createdAt), asc(bookings.id));
      return freezeAll(EntryBookingRowDto, rows);
    },

    // ---- tickets -------------------------------------------------------------------------

    async issueTickets(input, tx) {
      const run = async (t: DatabaseLike) => {
        for (const item of input.items) {
          // Already issued for this order item (a repeated webhook): nothing to do.
          const [issued] = await t
            .select({ n: sql<number>`count(*)::int` })
            .from(tickets)
            .where(eq(tickets.orderItemId, item.orderItemId));
          if ((issued?.n ?? 0) >= item.quantity) continue;
          // The row lock serialises concurrent issuers for one ticket type.
          const [type] = await t
            .select({ id: ticketTypes.id })
            .from(ticketTypes)
            .where(eq(ticketTypes.id, item.ticketTypeId))
            .for('update');
          if (!type) throw new IssueFailure('unknown-ticket-type', item.ticketTypeId);
          const inserted = await t
            .insert(tickets)
            .values(
              Array.from({ length: item.quantity }, (_, i) => ({
                ticketTypeId: item.ticketTypeId,
                orderId: input.orderId,
                orderItemId: item.orderItemId,
                seq: i + 1,
                userId: input.userId,
                code: newTicketCode(),
                holderEmail: input.holderEmail,
                holderName: input.holderName,
              })),
            )
            .onConflictDoNothing({ target: [tickets.orderItemId, tickets.seq] })
            .returning({ id: tickets.id });
          if (inserted.length === 0) continue;
          const bumped = await t
            .update(ticketTypes)
            .set({ sold: sql`${ticketTypes.sold} + ${inserted.length}` })
            .where(
              and(
                eq(ticketTypes.id, item.ticketTypeId),
                sql`${ticketTypes.sold} + ${ticketTypes.reserved} + ${inserted.length} <= ${ticketTypes.quantity}`,
              ),
            )
            .returning({ id: ticketTypes.id });
          if (bumped.length === 0) throw new IssueFailure('sold-out', item.ticketTypeId);
        }
        const rows = await t
          .select({
            id: tickets.id,
            code: tickets.code,
            ticketTypeId: tickets.ticketTypeId,
            orderItemId: tickets.orderItemId,
            seq: tickets.seq,
            holderEmail: tickets.holderEmail,
            status: tickets.status,
          })
          .from(tickets)
          .where(
            inArray(
              tickets.orderItemId,
              input.items.map((i) => i.orderItemId),
            ),
          )
          .orderBy(asc(tickets.orderItemId), asc(tickets.seq));
        return { ok: true as const, tickets: freezeAll(TicketDto, rows) };
      };
      let result: Awaited<ReturnType<CalendarService['issueTickets']>>;
      try {
        // Inside the caller's transaction when given (a savepoint), else in one of our own.
        result = await (tx ?? db.db).transaction(run);
      } catch (err) {
        if (err instanceof IssueFailure)
          return { ok: false, reason: err.reason, ticketTypeId: err.ticketTypeId };
        throw err;
      }
      // Places left changed on the pages and widgets showing these entries.
      if (!tx && result.ok) {
        const entryIds = await db.db
          .selectDistinct({ id: ticketTypes.entryId })
          .from(ticketTypes)
          .where(
            inArray(
              ticketTypes.id,
              input.items.map((i) => i.ticketTypeId),
            ),
          );
        for (const { id } of entryIds) {
          const container = await containerOfEntry(id);
          if (container) await purgeFor(container);
        }
      }
      return result;
    },

    async listMemberTickets(userId) {
      return Object.freeze(await ticketDetails(eq(tickets.userId, userId)));
    },

    async listOrderTickets(orderId) {
      return Object.freeze(await ticketDetails(eq(tickets.orderId, orderId)));
    },

    async checkTicket(input) {
      const code = normalizeTicketCode(input);
      if (!code) return { status: 'unknown' };
      const [ticket] = await ticketDetails(eq(tickets.code, code));
      if (!ticket) return { status: 'unknown' };
      return { status: ticket.status, ticket };
    },

    async useTicket(input) {
      const code = normalizeTicketCode(input);
      if (!code) return { ok: false, reason: 'unknown' };
      // Only a valid ticket turns used, and only once: two doors scanning it at the same
      // moment both run this update, and exactly one of them gets the row back.
      const marked = await db.db
        .update(tickets)
        .set({ status: 'used', usedAt: now() })
        .where(and(eq(tickets.code, code), eq(tickets.status, 'valid')))
        .returning({ id: tickets.id });
      const [ticket] = await ticketDetails(eq(tickets.code, code));
      if (!ticket) return { ok: false, reason: 'unknown' };
      if (marked.length === 1) return { ok: true, ticket };
      return { ok: false, reason: ticket.status === 'cancelled' ? 'cancelled' : 'used', ticket };
    },

    // ---- admin: calendars ----------------------------------------------------------------

    async createCalendar({ container, slug, calendar }) {
      if (!SLUG_PATTERN.test(slug) || RESERVED_SLUGS.has(slug))
        return refuse(
          'slug-invalid',
          'Choose another address: lower-case letters, digits and hyphens, not a reserved word',
        );
      try {
        const [row] = await db.db
          .insert(calendars)
          .values({
            containerType: container.type,
            containerId: container.id,
            slug,
            name: calendar.name,
            description: calendar.description || null,
            timezone: siteZone,
          })
          .returning();
        const dto = calendarOf(row as typeof calendars.$inferSelect);
        await purgeFor(dto.container);
        return { ok: true, value: dto };
      } catch (err) {
        if (isUniqueViolation(err, 'calendars_slug_key'))
          return refuse('slug-taken', 'Another calendar has this address');
        throw err;
      }
    },

    async updateCalendar(id, calendar) {
      const [row] = await db.db
        .update(calendars)
        .set({ name: calendar.name, description: calendar.description || null })
        .where(eq(calendars.id, id))
        .returning();
      if (!row) return refuse('not-found', 'No such calendar');
      const dto = calendarOf(row);
      await purgeFor(dto.container);
      return { ok: true, value: dto };
    },

    async setCalendarArchived(id, archived) {
      const [row] = await db.db
        .update(calendars)
        .set({ archivedAt: archived ? now() : null })
        .where(eq(calendars.id, id))
        .returning();
      if (!row) return refuse('not-found', 'No such calendar');
      const dto = calendarOf(row);
      await purgeFor(dto.container);
      return { ok: true, value: dto };
    },

    // ---- admin: entries ------------------------------------------------------------------

    async createEntry({ calendarId, slug, entry, repeatWeeklyUntil }) {
      if (!SLUG_PATTERN.test(slug))
        return refuse('slug-invalid', 'Use lower-case letters, digits and hyphens');
      const problem = checkEntryInput(entry);
      if (problem) return refuse('invalid', problem);
      const calendar = await service.getCalendarById(calendarId);
      if (!calendar) return refuse('not-found', 'No such calendar');
      const zone = calendar.timezone;
      const starts: Date[] = [entry.startsAt];
      if (repeatWeeklyUntil) {
        if (repeatWeeklyUntil < entry.startsAt) return refuse('invalid', 'The series ends before it starts');
        for (let week = 1; ; week++) {
          const next = addLocalWeeks(entry.startsAt, week, zone);
          if (next > repeatWeeklyUntil) break;
          if (starts.length >= MAX_SERIES)
            return refuse('invalid', `A series holds at most ${MAX_SERIES} entries`);
          starts.push(next);
        }
      }
      const seriesId = starts.length > 1 ? randomUUID() : null;
      const duration = entry.endsAt ? entry.endsAt.getTime() - entry.startsAt.getTime() : null;
      const result = await inTransaction(async (tx) => {
        const created: CalendarEntryDto[] = [];
        for (const [i, startsAt] of starts.entries()) {
          const base = seriesId ? `${slug}-${localDate(startsAt, zone)}` : slug;
          const occurrenceSlug = i === 0 && !seriesId ? base : await freeSlug(tx, calendarId, base);
          let endsAt: Date | null = null;
          if (duration !== null) {
            // All-day and multi-day occurrences keep their length in local days, across DST.
            endsAt = i === 0 ? entry.endsAt : addLocalWeeks(entry.endsAt as Date, i, zone);
          }
          try {
            const [row] = await tx
              .insert(calendarEntries)
              .values({
                calendarId,
                slug: occurrenceSlug,
                timezone: zone,
                seriesId,
                ...entryValues({ ...entry, startsAt, endsAt }),
              })
              .returning({ id: calendarEntries.id });
            const dto = await loadEntry(eq(calendarEntries.id, (row as { id: number }).id), tx);
            if (dto) {
              await announce(tx, 'Create', dto);
              created.push(dto);
            }
          } catch (err) {
            if (isUniqueViolation(err, 'calendar_entries_calendar_id_slug_key'))
              throw new Refusal('slug-taken', 'Another entry of this calendar has this address');
            throw err;
          }
        }
        return Object.freeze(created);
      });
      if (result.ok) await purgeFor(calendar.container);
      return result;
    },

    async updateEntry(id, entry) {
      const problem = checkEntryInput(entry);
      if (problem) return refuse('invalid', problem);
      const result = await inTransaction(async (tx) => {
        const [current] = await tx
          .select()
          .from(calendarEntries)
          .where(eq(calendarEntries.id, id))
          .for('update');
        if (!current) throw new Refusal('not-found', 'No such entry');
        if (entry.capacity !== null && entry.capacity < current.bookedSeats)
          throw new Refusal('capacity-below-booked', `${current.bookedSeats} seats are already booked`);
        await tx
          .update(calendarEntries)
          .set({ ...entryValues(entry), sequence: sql`${calendarEntries.sequence} + 1` })
          .where(eq(calendarEntries.id, id));
        const dto = (await loadEntry(eq(calendarEntries.id, id), tx)) as CalendarEntryDto;
        await announce(tx, 'Update', dto);
        return dto;
      });
      if (result.ok) await purgeFor(result.value.calendar.container);
      return result;
    },

    async duplicateEntry(id) {
      const result = await inTransaction(async (tx) => {
        const [current] = await tx.select().from(calendarEntries).where(eq(calendarEntries.id, id));
        if (!current) throw new Refusal('not-found', 'No such entry');
        const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = current as EntryRow;
        const startsAt = addLocalWeeks(current.startsAt, 1, current.timezone);
        const slug = await freeSlug(
          tx,
          current.calendarId,
          `${current.slug.replace(/-copy(-\d+)?$/, '')}-copy`,
        );
        const [row] = await tx
          .insert(calendarEntries)
          .values({
            ...rest,
            slug,
            startsAt,
            endsAt: current.endsAt ? addLocalWeeks(current.endsAt, 1, current.timezone) : null,
            status: 'scheduled',
            cancellationNote: null,
            cancelledAt: null,
            bookedSeats: 0,
            sequence: 0,
            seriesId: null,
          })
          .returning({ id: calendarEntries.id });
        const newId = (row as { id: number }).id;
        const types = await tx.select().from(ticketTypes).where(eq(ticketTypes.entryId, id));
        if (types.length) {
          await tx.insert(ticketTypes).values(
            types.map(({ id: _t, createdAt: _tc, updatedAt: _tu, ...t }) => ({
              ...t,
              entryId: newId,
              sold: 0,
            })),
          );
        }
        const dto = (await loadEntry(eq(calendarEntries.id, newId), tx)) as CalendarEntryDto;
        await announce(tx, 'Create', dto);
        return dto;
      });
      if (result.ok) await purgeFor(result.value.calendar.container);
      return result;
    },

    async cancelEntry(id, note) {
      const result = await inTransaction(async (tx) => {
        const [current] = await tx
          .select()
          .from(calendarEntries)
          .where(eq(calendarEntries.id, id))
          .for('update');
        if (!current) throw new Refusal('not-found', 'No such entry');
        if (current.status === 'cancelled')
          throw new Refusal('already-cancelled', 'This entry is already cancelled');
        await tx
          .update(calendarEntries)
          .set({
            status: 'cancelled',
            cancellationNote: note.trim() || null,
            cancelledAt: now(),
            sequence: sql`${calendarEntries.sequence} + 1`,
          })
          .where(eq(calendarEntries.id, id));
        const dto = (await loadEntry(eq(calendarEntries.id, id), tx)) as CalendarEntryDto;
        await announce(tx, 'Update', dto);
        return dto;
      });
      if (!result.ok) return result;
      await purgeFor(result.value.calendar.container);
      const notify = await bookingDetails(
        and(eq(bookings.entryId, id), eq(bookings.status, 'confirmed')) as SQL,
      );
      return { ok: true, value: { entry: result.value, notify: Object.freeze(notify) } };
    },

    async deleteEntry(id) {
      const result = await inTransaction(async (tx) => {
        const dto = await loadEntry(eq(calendarEntries.id, id), tx);
        if (!dto) throw new Refusal('not-found', 'No such entry');
        const [issued] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(tickets)
          .innerJoin(ticketTypes, eq(ticketTypes.id, tickets.ticketTypeId))
          .where(eq(ticketTypes.entryId, id));
        if ((issued?.n ?? 0) > 0)
          throw new Refusal('has-tickets', 'Tickets were issued for this entry: cancel it instead');
        if (dto.bookedSeats > 0)
          throw new Refusal('has-bookings', 'Members booked this entry: cancel it instead');
        await announce(tx, 'Delete', dto);
        await tx.delete(calendarEntries).where(eq(calendarEntries.id, id));
        return { calendarSlug: dto.calendar.slug, container: dto.calendar.container };
      });
      if (!result.ok) return result;
      await purgeFor(result.value.container);
      return { ok: true, value: { calendarSlug: result.value.calendarSlug } };
    },

    async addTicketType(entryId, input) {
      const container = await containerOfEntry(entryId);
      if (!container) return refuse('not-found', 'No such entry');
      const [row] = await db.db
        .insert(ticketTypes)
        .values({ entryId, currency, ...input, description: input.description || null })
        .returning();
      await purgeFor(container);
      return { ok: true, value: ticketTypeOf(row as typeof ticketTypes.$inferSelect) };
    },

    async updateTicketType(id, input) {
      const result = await inTransaction(async (tx) => {
        const [current] = await tx.select().from(ticketTypes).where(eq(ticketTypes.id, id)).for('update');
        if (!current) throw new Refusal('not-found', 'No such ticket type');
        if (input.quantity < current.sold)
          throw new Refusal('quantity-below-sold', `${current.sold} tickets of this type are already sold`);
        const [row] = await tx
          .update(ticketTypes)
          .set({ ...input, description: input.description || null })
          .where(eq(ticketTypes.id, id))
          .returning();
        return row as typeof ticketTypes.$inferSelect;
      });
      if (!result.ok) return result;
      const container = await containerOfEntry(result.value.entryId);
      if (container) await purgeFor(container);
      return { ok: true, value: ticketTypeOf(result.value) };
    },

    async deleteTicketType(id) {
      const result = await inTransaction(async (tx) => {
        const [current] = await tx.select().from(ticketTypes).where(eq(ticketTypes.id, id)).for('update');
        if (!current) throw new Refusal('not-found', 'No such ticket type');
        const [issued] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(tickets)
          .where(eq(tickets.ticketTypeId, id));
        if (current.sold > 0 || (issued?.n ?? 0) > 0)
          throw new Refusal('has-tickets', 'Tickets of this type were sold');
        await tx.delete(ticketTypes).where(eq(ticketTypes.id, id));
        return { entryId: current.entryId };
      });
      if (!result.ok) return result;
      const container = await containerOfEntry(result.value.entryId);
      if (container) await purgeFor(container);
      return result;
    },

    // ---- fediverse -----------------------------------------------------------------------

    async getEventObject(calendarSlug, entrySlug) {
      if (!config) return { kind: 'none' };
      const entry = await service.getEntry(calendarSlug, entrySlug);
      if (entry)
        return { kind: 'live', event: Object.freeze(buildEvent(config, entry, { withContext: true })) };
      const id = entryUrl(config, calendarSlug, entrySlug);
      // Only an Event we announced has a Tombstone; anything else simply is not here.
      const announced = await db.db.$count(
        apActivities,
        and(eq(apActivities.objectUri, id), eq(apActivities.direction, 'out')),
      );
      return announced ? { kind: 'gone', tombstone: Object.freeze(eventTombstone(id)) } : { kind: 'none' };
    },
    ...createMemberData({
      db,
      now,
      purgeEntries: async (entryIds) => {
        for (const id of entryIds) {
          const container = await containerOfEntry(id);
          if (container) await purgeFor(container);
        }
      },
    }),
  };
  return service;
}

/** Thrown inside the transaction so a failed item rolls back the whole issue. */
class IssueFailure extends Error {
  readonly reason: 'unknown-ticket-type' | 'sold-out';
  readonly ticketTypeId: number;

  constructor(reason: 'unknown-ticket-type' | 'sold-out', ticketTypeId: number) {
    super(`cannot issue tickets of type ${ticketTypeId}: ${reason}`);
    this.reason = reason;
    this.ticketTypeId = ticketTypeId;
  }
}
