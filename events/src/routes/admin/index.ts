import type { CalendarDto, ContainerRefDto } from '@rose-ash/shared/contracts/dtos.ts';
import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ArchiveForm,
  CalendarForm,
  CancelEntryForm,
  CsrfOnly,
  entryFormIn,
  entryFormValues,
  TicketTypeForm,
} from './forms.ts';

/** The things a calendar can belong to: published posts and pages, and markets. */
async function containerChoices(app: FastifyInstance) {
  const [posts, markets] = await Promise.all([
    app.services.blog.listAllPublished(),
    app.services.market.listMarkets(),
  ]);
  return [
    ...posts.map((p) => ({
      value: `${p.type}:${p.id}`,
      label: `${p.type === 'page' ? 'Page' : 'Post'}: ${p.title}`,
    })),
    ...markets.map((m) => ({ value: `market:${m.id}`, label: `Market: ${m.name}` })),
  ];
}

function parseContainer(value: string): ContainerRefDto {
  const [type, id] = value.split(':') as [ContainerRefDto['type'], string];
  return { type, id: Number(id) };
}

/** CSV cell: quoted, quotes doubled, and formula-looking values defused for spreadsheets. */
function csvCell(value: unknown): string {
  let s =
    value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * The events admin: calendars (create on a post, page or market; edit; archive), their entries
 * (create, also as a weekly series; edit; duplicate; cancel with a notice to bookers; delete
 * when nothing was sold), ticket types, and each entry's bookings with a CSV export.
 */
const adminRoutes: RoutePlugin = async (app) => {
  const zone = app.config.site.timezone;
  const EntryForm = entryFormIn(zone);

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/admin')) reply.header('cache-control', 'private, no-store');
  });

  const calendarOr404 = async (id: number): Promise<CalendarDto> => {
    const calendar = await app.services.calendar.getCalendarById(id);
    if (!calendar) throw new AppError('RESOURCE_NOT_FOUND');
    return calendar;
  };
  const entryOr404 = async (id: number) => {
    const entry = await app.services.calendar.getEntryById(id);
    if (!entry) throw new AppError('RESOURCE_NOT_FOUND');
    return entry;
  };
  const idOf = (request: FastifyRequest) => Number((request.params as { id?: string }).id);
  const done = (reply: FastifyReply, to: string, message: string) => {
    setFlash(reply, app.config, { kind: 'success', message });
    return reply.redirect(to, 303);
  };

  // ---- calendars -------------------------------------------------------------------------

  app.get('/admin/', { onRequest: requireAdmin }, async (_request, reply) => {
    const calendars = await app.services.calendar.listCalendars({ includeArchived: true });
    return reply.view('admin/index.njk', { title: 'Events admin', calendars });
  });

  const newCalendarContext = async () => ({
    title: 'New calendar',
    containers: await containerChoices(app),
  });
  app.get('/admin/calendars/new', { onRequest: requireAdmin }, async (_request, reply) =>
    reply.view('admin/calendar-new.njk', { ...(await newCalendarContext()), values: {} }),
  );
  app.post(
    '/admin/calendars',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { body: CalendarForm },
      config: { form: { view: 'admin/calendar-new.njk', context: newCalendarContext } },
    },
    async (request, reply) => {
      const { container, slug, name, description } = request.body;
      if (!container || !slug) {
        return reply.code(400).view('admin/calendar-new.njk', {
          ...(await newCalendarContext()),
          values: request.body,
          errors: {
            ...(container ? {} : { container: 'choose one' }),
            ...(slug ? {} : { slug: 'give it an address' }),
          },
          error: 'Some fields need attention',
        });
      }
      const result = await app.services.calendar.createCalendar({
        container: parseContainer(container),
        slug,
        calendar: { name, description },
      });
      if (!result.ok) {
        return reply.code(400).view('admin/calendar-new.njk', {
          ...(await newCalendarContext()),
          values: request.body,
          errors: { slug: result.message },
          error: result.message,
        });
      }
      return done(reply, `/admin/calendars/${result.value.id}`, `Calendar “${result.value.name}” created.`);
    },
  );

  const calendarPage = async (id: number) => {
    const calendar = await calendarOr404(id);
    const entries = await app.services.calendar.listCalendarEntries(calendar.id, {
      from: new Date(Date.now() - 30 * 86_400_000),
      limit: 300,
    });
    return { title: calendar.name, calendar, entries };
  };
  app.get(
    '/admin/calendars/:id',
    { onRequest: requireAdmin, schema: { params: IdParams } },
    async (request, reply) => {
      const page = await calendarPage(request.params.id);
      return reply.view('admin/calendar.njk', {
        ...page,
        values: { name: page.calendar.name, description: page.calendar.description ?? '' },
      });
    },
  );
  app.post(
    '/admin/calendars/:id',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: CalendarForm },
      config: { form: { view: 'admin/calendar.njk', context: (request) => calendarPage(idOf(request)) } },
    },
    async (request, reply) => {
      const result = await app.services.calendar.updateCalendar(request.params.id, {
        name: request.body.name,
        description: request.body.description,
      });
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND');
      return done(reply, `/admin/calendars/${result.value.id}`, 'Calendar saved.');
    },
  );
  app.post(
    '/admin/calendars/:id/archive',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: ArchiveForm },
    },
    async (request, reply) => {
      const archived = request.body.archived === '1';
      const result = await app.services.calendar.setCalendarArchived(request.params.id, archived);
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND');
      return done(
        reply,
        `/admin/calendars/${result.value.id}`,
        archived ? 'Calendar archived.' : 'Calendar restored.',
      );
    },
  );

  // ---- entries ---------------------------------------------------------------------------

  const newEntryContext = async (request: FastifyRequest) => ({
    title: 'New entry',
    calendar: await calendarOr404(idOf(request)),
    creating: true,
  });
  app.get(
    '/admin/calendars/:id/entries/new',
    { onRequest: requireAdmin, schema: { params: IdParams } },
    async (request, reply) =>
      reply.view('admin/entry-form.njk', {
        ...(await newEntryContext(request)),
        values: { booking_mode: 'free', start_time: '10:00', end_time: '12:00' },
      }),
  );
  app.post(
    '/admin/calendars/:id/entries',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: EntryForm },
      config: { form: { view: 'admin/entry-form.njk', context: newEntryContext } },
    },
    async (request, reply) => {
      const { slug, entry, repeatUntil } = request.body;
      const calendar = await calendarOr404(request.params.id);
      const finalSlug =
        slug ||
        entry.title
          .toLowerCase()
          .normalize('NFKD')
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-+|-+$/g, '')
          .slice(0, 80) ||
        'entry';
      const result = await app.services.calendar.createEntry({
        calendarId: calendar.id,
        slug: finalSlug,
        entry,
        repeatWeeklyUntil: repeatUntil,
      });
      if (!result.ok) {
        return reply.code(400).view('admin/entry-form.njk', {
          ...(await newEntryContext(request)),
          values: entryFormValues({ ...entry, slug, timezone: calendar.timezone }),
          errors: { [result.reason.startsWith('slug') ? 'slug' : 'start_date']: result.message },
          error: result.message,
        });
      }
      const first = result.value[0];
      const n = result.value.length;
      return done(
        reply,
        first ? `/admin/entries/${first.id}` : `/admin/calendars/${calendar.id}`,
        n > 1 ? `${n} entries created (weekly).` : 'Entry created.',
      );
    },
  );

  const entryPage = async (id: number) => {
    const entry = await entryOr404(id);
    return {
      title: `Edit: ${entry.title}`,
      entry,
      calendar: entry.calendar,
      entry_url: `${app.config.apps.events.publicUrl}/${entry.calendar.slug}/${entry.slug}/`,
      currency: app.config.site.currency,
    };
  };
  app.get(
    '/admin/entries/:id',
    { onRequest: requireAdmin, schema: { params: IdParams } },
    async (request, reply) => {
      const page = await entryPage(request.params.id);
      return reply.view('admin/entry-form.njk', { ...page, values: entryFormValues(page.entry) });
    },
  );
  app.post(
    '/admin/entries/:id',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: EntryForm },
      config: { form: { view: 'admin/entry-form.njk', context: (request) => entryPage(idOf(request)) } },
    },
    async (request, reply) => {
      const result = await app.services.calendar.updateEntry(request.params.id, request.body.entry);
      if (!result.ok) {
        if (result.reason === 'not-found') throw new AppError('RESOURCE_NOT_FOUND');
        return reply.code(400).view('admin/entry-form.njk', {
          ...(await entryPage(request.params.id)),
          values: entryFormValues({ ...request.body.entry, slug: '', timezone: zone }),
          errors: { [result.reason === 'capacity-below-booked' ? 'capacity' : 'start_date']: result.message },
          error: result.message,
        });
      }
      return done(
        reply,
        `/admin/entries/${result.value.id}`,
        'Entry saved; subscribers and followers are told.',
      );
    },
  );
  app.post(
    '/admin/entries/:id/duplicate',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: CsrfOnly },
    },
    async (request, reply) => {
      const result = await app.services.calendar.duplicateEntry(request.params.id);
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND');
      return done(reply, `/admin/entries/${result.value.id}`, 'Copied, a week later: check the details.');
    },
  );
  app.post(
    '/admin/entries/:id/cancel',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: CancelEntryForm },
    },
    async (request, reply) => {
      const result = await app.services.calendar.cancelEntry(request.params.id, request.body.note);
      if (!result.ok) {
        if (result.reason === 'not-found') throw new AppError('RESOURCE_NOT_FOUND');
        setFlash(reply, app.config, { kind: 'error', message: result.message });
        return reply.redirect(`/admin/entries/${request.params.id}`, 303);
      }
      for (const booking of result.value.notify) {
        if (booking.email)
          await app.jobs.send('events.cancellation-notice', { bookingId: booking.booking.id });
      }
      const n = result.value.notify.length;
      return done(
        reply,
        `/admin/entries/${request.params.id}`,
        `Entry cancelled; ${n} ${n === 1 ? 'booker is' : 'bookers are'} being told by e-mail.`,
      );
    },
  );
  app.post(
    '/admin/entries/:id/delete',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: CsrfOnly },
    },
    async (request, reply) => {
      const entry = await entryOr404(request.params.id);
      const result = await app.services.calendar.deleteEntry(entry.id);
      if (!result.ok) {
        setFlash(reply, app.config, { kind: 'error', message: result.message });
        return reply.redirect(`/admin/entries/${entry.id}`, 303);
      }
      return done(reply, `/admin/calendars/${entry.calendar.id}`, 'Entry deleted.');
    },
  );

  // ---- ticket types ----------------------------------------------------------------------

  app.post(
    '/admin/entries/:id/ticket-types',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: TicketTypeForm },
      config: {
        form: {
          view: 'admin/entry-form.njk',
          context: async (request) => {
            const page = await entryPage(idOf(request));
            return { ...page, values: entryFormValues(page.entry) };
          },
        },
      },
    },
    async (request, reply) => {
      const { name, description, price, quantity } = request.body;
      const result = await app.services.calendar.addTicketType(request.params.id, {
        name,
        description: description || null,
        pricePence: price,
        quantity,
      });
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND');
      return done(reply, `/admin/entries/${request.params.id}#tickets`, `Ticket type “${name}” added.`);
    },
  );
  app.post(
    '/admin/ticket-types/:id',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: TicketTypeForm.extend({ entry_id: IdParams.shape.id }) },
    },
    async (request, reply) => {
      const { name, description, price, quantity, entry_id } = request.body;
      const result = await app.services.calendar.updateTicketType(request.params.id, {
        name,
        description: description || null,
        pricePence: price,
        quantity,
      });
      if (!result.ok) {
        if (result.reason === 'not-found') throw new AppError('RESOURCE_NOT_FOUND');
        setFlash(reply, app.config, { kind: 'error', message: result.message });
        return reply.redirect(`/admin/entries/${entry_id}#tickets`, 303);
      }
      return done(reply, `/admin/entries/${entry_id}#tickets`, 'Ticket type saved.');
    },
  );
  app.post(
    '/admin/ticket-types/:id/delete',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: CsrfOnly },
    },
    async (request, reply) => {
      const result = await app.services.calendar.deleteTicketType(request.params.id);
      if (!result.ok) {
        if (result.reason === 'not-found') throw new AppError('RESOURCE_NOT_FOUND');
        setFlash(reply, app.config, { kind: 'error', message: result.message });
        return reply.redirect('/admin/', 303);
      }
      return done(reply, `/admin/entries/${result.value.entryId}#tickets`, 'Ticket type removed.');
    },
  );

  // ---- bookings --------------------------------------------------------------------------

  app.get(
    '/admin/entries/:id/bookings',
    { onRequest: requireAdmin, schema: { params: IdParams } },
    async (request, reply) => {
      const entry = await entryOr404(request.params.id);
      const bookings = await app.services.calendar.listEntryBookings(entry.id);
      return reply.view('admin/bookings.njk', {
        title: `Bookings: ${entry.title}`,
        entry,
        bookings,
        confirmed_seats: bookings.filter((b) => b.status === 'confirmed').reduce((n, b) => n + b.seats, 0),
      });
    },
  );
  app.get(
    '/admin/entries/:id/bookings.csv',
    { onRequest: requireAdmin, schema: { params: IdParams } },
    async (request, reply) => {
      const entry = await entryOr404(request.params.id);
      const bookings = await app.services.calendar.listEntryBookings(entry.id);
      const header = [
        'booking',
        'status',
        'seats',
        'name',
        'email',
        'fediverse',
        'booked_at',
        'cancelled_at',
      ];
      const lines = [
        header.map(csvCell).join(','),
        ...bookings.map((b) =>
          [b.bookingId, b.status, b.seats, b.name, b.email, b.remoteActorUri, b.createdAt, b.cancelledAt]
            .map(csvCell)
            .join(','),
        ),
      ];
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="bookings-${entry.slug}.csv"`)
        .send(`${lines.join('\r\n')}\r\n`);
    },
  );
};

export default adminRoutes;
