import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import { entryWhen, entryWhenWhere } from '@rose-ash/shared/services/calendar/entry-activities.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { eventsJobs } from './jobs/index.ts';
import adminRoutes from './routes/admin/index.ts';
import calendarRoutes from './routes/calendars/index.ts';
import entryRoutes from './routes/entries/index.ts';
import containerWidgetFragment from './routes/fragments/container-widget.ts';
import homeRoutes from './routes/home/index.ts';
import ticketRoutes from './routes/tickets/index.ts';
import { eventsMail } from './services/notifications.ts';
import { eventsSettings } from './services/settings.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the events app serves, as one named plugin. */
export const eventsApp = fp(
  async (app) => {
    // "24 October 2026, 10:00–13:00 (Europe/London)" for any entry or summary.
    app.templates.addFilter('when', (entry) => entryWhen(app.config, entry));
    app.templates.addFilter('when_where', (entry) => entryWhenWhere(app.config, entry));
    await app.register(eventsMail);
    await app.register(eventsJobs);
    // Fixed paths first in reading order; find-my-way prefers static segments anyway, and
    // CalendarService refuses calendar slugs that would shadow them (admin, tickets, ...).
    await app.register(homeRoutes);
    await app.register(adminRoutes);
    await app.register(ticketRoutes);
    await app.register(calendarRoutes);
    await app.register(entryRoutes);
    await app.register(containerWidgetFragment);
  },
  { name: 'events-app', fastify: '5.x' },
);

/** Builds the events app on the shared factory. Does not listen (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Settings are checked at boot: a bad value under `events:` stops start-up naming the key.
  eventsSettings(deps.config);
  const app = await createApp('events', deps, { templatesDir });
  await app.register(eventsApp);
  return app;
}
