import { fileURLToPath } from 'node:url';
import { isAppName } from '@rose-ash/shared/config/app-names.ts';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import { type EntryTimes, entryWhen } from '@rose-ash/shared/services/calendar/entry-activities.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { accountJobs } from './jobs/index.ts';
import bookingRoutes from './routes/bookings/index.ts';
import calendarRoutes from './routes/calendar/index.ts';
import confirmRoutes from './routes/confirm/index.ts';
import dataRoutes from './routes/data/index.ts';
import accountNavFragment from './routes/fragments/account-nav.ts';
import homeRoutes from './routes/home/index.ts';
import newsletterRoutes from './routes/newsletters/index.ts';
import orderRoutes from './routes/orders/index.ts';
import profileRoutes from './routes/profile/index.ts';
import sessionRoutes from './routes/sessions/index.ts';
import ticketRoutes from './routes/tickets/index.ts';
import { accountMail } from './services/mail.ts';
import { accountSettings } from './services/settings.ts';
import { deviceName } from './services/user-agent.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the account app serves, as one named plugin. */
export const accountApp = fp(
  async (app) => {
    // "24 October 2026, 10:00–13:00 (Europe/London)" for an entry, as events shows it.
    app.templates.addFilter('when', (entry: EntryTimes) => entryWhen(app.config, entry));
    app.templates.addFilter('device_name', (userAgent: string | null) => deviceName(userAgent));
    app.templates.addFilter('app_titles', (apps: readonly string[]) =>
      apps.map((a) => (isAppName(a) ? app.config.apps[a].title : a)).join(', '),
    );
    await app.register(accountMail);
    await app.register(accountJobs);
    await app.register(homeRoutes);
    await app.register(profileRoutes);
    await app.register(newsletterRoutes);
    await app.register(ticketRoutes);
    await app.register(bookingRoutes);
    await app.register(orderRoutes);
    await app.register(calendarRoutes);
    await app.register(sessionRoutes);
    await app.register(dataRoutes);
    await app.register(confirmRoutes);
    await app.register(accountNavFragment);
  },
  { name: 'account-app', fastify: '5.x' },
);

/** Builds the account app on the shared factory. Does not listen (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Settings are checked at boot: a bad value under `account:` stops start-up naming the key.
  accountSettings(deps.config);
  const app = await createApp('account', deps, { templatesDir });
  await app.register(accountApp);
  return app;
}
