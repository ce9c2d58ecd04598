import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { memberFeedIcs } from '../../services/ical.ts';
import { CsrfForm, member, privatePage, sectionContext } from '../../services/pages.ts';

const FeedParams = z.object({ token: z.string().max(100) });

/**
 * The private calendar feed: a personal iCal URL with a secret token (the member's bookings
 * and tickets), shown once with a copy button, revocable and regenerable. The feed itself
 * needs no sign-in (calendar apps fetch it); an unknown or revoked token answers 404.
 */
const calendarRoutes: RoutePlugin = async (app) => {
  const account = app.services.account;
  const feedUrl = (token: string) => `${app.config.apps.account.publicUrl}/calendar/${token}.ics`;
  const page = async (request: FastifyRequest, extra: Record<string, unknown> = {}) => ({
    ...sectionContext('calendar', 'Calendar feed'),
    status: await account.getCalendarFeedStatus(member(request).id),
    ...extra,
  });

  app.get('/calendar', { preHandler: requireUser }, async (request, reply) =>
    privatePage(reply).view('calendar.njk', await page(request)),
  );

  // The URL is shown in this answer only: it is not kept anywhere it could be shown again.
  app.post(
    '/calendar/token',
    { onRequest: requireUser, preValidation: app.csrfProtection, schema: { body: CsrfForm } },
    async (request, reply) => {
      const { token } = await account.createCalendarFeedToken(member(request).id);
      const url = feedUrl(token);
      return privatePage(reply)
        .header('referrer-policy', 'no-referrer')
        .view(
          'calendar.njk',
          await page(request, { feed_url: url, webcal_url: url.replace(/^https?:\/\//, 'webcal://') }),
        );
    },
  );

  app.post(
    '/calendar/token/revoke',
    { onRequest: requireUser, preValidation: app.csrfProtection, schema: { body: CsrfForm } },
    async (request, reply) => {
      await account.revokeCalendarFeedToken(member(request).id);
      setFlash(reply, app.config, {
        kind: 'success',
        message: 'Your calendar feed is switched off; its address no longer works.',
      });
      return reply.redirect('/calendar', 303);
    },
  );

  app.get('/calendar/:token.ics', { schema: { params: FeedParams } }, async (request, reply) => {
    const feed = await account.getCalendarFeed(request.params.token);
    if (!feed) throw new AppError('RESOURCE_NOT_FOUND', 'No such calendar feed');
    return reply
      .header('cache-control', 'private, no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex')
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', 'inline; filename="my-events.ics"')
      .send(memberFeedIcs(app.config, feed));
  });
};

export default calendarRoutes;
