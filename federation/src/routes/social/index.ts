import { Id } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  Back,
  backTo,
  Csrf,
  hubNav,
  MaxIdQuery,
  memberWithHandle,
  remoteCallOptions,
} from '../../services/hub-pages.ts';

export const NOTE_MAX = 5_000;
export const CW_MAX = 500;

/** The compose box (also the reply box of a thread page). */
export const ComposeForm = z.object({
  _csrf: Csrf,
  back: Back,
  content: z
    .string()
    .trim()
    .min(1, 'Write something first.')
    .max(NOTE_MAX, `At most ${NOTE_MAX} characters.`),
  contentWarning: z.string().trim().max(CW_MAX, `At most ${CW_MAX} characters.`).optional(),
  visibility: z.enum(['public', 'unlisted', 'followers', 'direct']).default('public'),
  inReplyToId: z.union([Id, z.literal('')]).optional(),
});
const TagParams = z.object({ tag: z.string().regex(/^[\p{L}\p{N}_]{1,64}$/u, 'not a hashtag') });
const CsrfForm = z.object({ _csrf: Csrf });

const COMPOSE_ERRORS: Record<string, string> = {
  no_username: 'Choose your fediverse username first.',
  empty: 'Write something first.',
  too_long: 'That is too long.',
  reply_not_found: 'The post you are replying to is not available.',
};

/**
 * The social hub's timelines (home, local, hashtags), the compose box and notifications.
 * Pages render from the database only (see status-queries.ts).
 */
const socialRoutes: RoutePlugin = async (app) => {
  const federation = app.services.federation;
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store');
  });

  const homeContext = async (request: FastifyRequest, maxId?: number) => {
    const user = request.user as NonNullable<FastifyRequest['user']>;
    const member = await federation.getMember(user.id);
    return {
      title: 'Home',
      heading: 'Home',
      member,
      timeline: await federation.homeTimeline(user.id, { maxId }),
      compose: true,
      pagePath: '/social/home',
      ...(await hubNav(app, request, 'home')),
    };
  };

  app.get('/social', async (_request, reply) => reply.redirect('/social/home', 302));

  app.get(
    '/social/home',
    { preHandler: requireUser, schema: { querystring: MaxIdQuery } },
    async (request, reply) => {
      const member = await memberWithHandle(app, request, reply);
      if (!member) return reply;
      return reply.view('social/timeline.njk', await homeContext(request, request.query.max_id));
    },
  );

  app.get('/social/local', { schema: { querystring: MaxIdQuery } }, async (request, reply) => {
    const userId = request.user?.id ?? null;
    return reply.view('social/timeline.njk', {
      title: 'Local',
      heading: `Everyone on ${app.config.site.name}`,
      intro: 'Public posts by members of this site.',
      member: userId ? await federation.getMember(userId) : null,
      timeline: await federation.localTimeline(userId, { maxId: request.query.max_id }),
      pagePath: '/social/local',
      ...(await hubNav(app, request, 'local')),
    });
  });

  app.get(
    '/social/tags/:tag',
    { schema: { params: TagParams, querystring: MaxIdQuery } },
    async (request, reply) => {
      const tag = request.params.tag.toLowerCase();
      const userId = request.user?.id ?? null;
      return reply.view('social/timeline.njk', {
        title: `#${tag}`,
        heading: `#${tag}`,
        member: userId ? await federation.getMember(userId) : null,
        timeline: await federation.tagTimeline(userId, tag, { maxId: request.query.max_id }),
        pagePath: `/social/tags/${encodeURIComponent(tag)}`,
        ...(await hubNav(app, request, 'tag')),
      });
    },
  );

  app.post(
    '/social/notes',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { body: ComposeForm },
      config: { form: { view: 'social/timeline.njk', context: (request) => homeContext(request) } },
    },
    async (request, reply) => {
      const member = await memberWithHandle(app, request, reply);
      if (!member) return reply;
      const { content, contentWarning, visibility, inReplyToId, back } = request.body;
      const result = await federation.publishNote(
        member.userId,
        {
          content,
          contentWarning: contentWarning || null,
          visibility,
          inReplyToId: inReplyToId ? inReplyToId : null,
        },
        remoteCallOptions(app),
      );
      if (!result.ok) {
        reply.code(400);
        return reply.view('social/timeline.njk', {
          ...(await homeContext(request)),
          values: request.body,
          error: COMPOSE_ERRORS[result.reason],
        });
      }
      setFlash(reply, app.config, { kind: 'success', message: 'Posted.' });
      return reply.redirect(backTo(back, `/social/notes/${result.objectId}`), 303);
    },
  );

  app.get(
    '/social/notifications',
    { preHandler: requireUser, schema: { querystring: MaxIdQuery } },
    async (request, reply) => {
      const member = await memberWithHandle(app, request, reply);
      if (!member) return reply;
      const [notifications, requests] = await Promise.all([
        federation.listNotifications(member.userId, { maxId: request.query.max_id }),
        federation.followRequests(member.userId),
      ]);
      return reply.view('social/notifications.njk', {
        title: 'Notifications',
        notifications,
        pendingRequests: requests.length,
        pagePath: '/social/notifications',
        ...(await hubNav(app, request, 'notifications')),
      });
    },
  );

  app.post(
    '/social/notifications/read',
    { onRequest: requireUser, preValidation: app.csrfProtection, schema: { body: CsrfForm } },
    async (request, reply) => {
      const user = request.user;
      if (!user) throw new AppError('AUTH_SESSION_REQUIRED');
      await federation.markAllNotificationsRead(user.id);
      return reply.redirect('/social/notifications', 303);
    },
  );
};

export default socialRoutes;
