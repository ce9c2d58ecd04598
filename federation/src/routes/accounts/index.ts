import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
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

const SearchQuery = z.object({ q: z.string().trim().max(500).optional() });
const ActorUri = z
  .string()
  .trim()
  .max(2_000)
  .pipe(z.url({ protocol: /^https?$/ }));
const FollowForm = z.object({ _csrf: Csrf, back: Back, uri: ActorUri });
const CsrfForm = z.object({ _csrf: Csrf });
const RemoteFollowQuery = z.object({
  uri: ActorUri,
  acct: z.string().trim().max(300).optional(),
});
const InteractionQuery = z.object({ uri: ActorUri });
/**
 * Lookups make us ask other servers (WebFinger, actor documents): per client, a bound on how
 * many, so the hub cannot be used to hammer a third party.
 */
const LOOKUP_RATE_LIMIT = { max: 30, timeWindow: 60_000 };

const LOOKUP_ERRORS = {
  invalid: { status: 400, message: 'Type an address like @someone@example.social, or an account URL.' },
  not_found: { status: 404, message: 'No account was found at that address.' },
  unreachable: {
    status: 200,
    message: 'That server did not answer in time, or answered nonsense. Try again later.',
  },
  blocked: { status: 403, message: 'That server or account is blocked here.' },
} as const;
const FOLLOW_ERRORS: Record<string, string> = {
  no_username: 'Choose your fediverse username first.',
  not_found: 'That account was not found.',
  self: 'You cannot follow yourself.',
  blocked: 'That server or account is blocked here.',
  unreachable: 'That server did not answer in time. Try again later.',
};
const REMOTE_FOLLOW_ERRORS = {
  invalid: { status: 400, message: 'Type your address as @you@your.server.' },
  not_found: { status: 404, message: 'No account was found for that address.' },
  unreachable: { status: 200, message: 'Your server did not answer in time. Try again later.' },
  no_template: {
    status: 200,
    message: 'Your server does not offer remote follows: search for the address below in your app instead.',
  },
} as const;

/**
 * Finding and following accounts: search by `@user@host` or actor URL (WebFinger), remote
 * account pages (from the cache: no request while they render), follow / unfollow, and
 * "Follow from your server" for visitors of any actor page.
 */
const accountRoutes: RoutePlugin = async (app) => {
  const federation = app.services.federation;

  app.get(
    '/social/search',
    { preHandler: requireUser, schema: { querystring: SearchQuery } },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      const q = request.query.q ?? '';
      const base = { title: 'Find an account', q, ...(await hubNav(app, request, 'search')) };
      if (!q) return reply.view('social/search.njk', base);
      const result = await federation.lookupAccount(q, remoteCallOptions(app));
      if (result.ok) {
        return reply.redirect(
          result.kind === 'local' ? `/@${result.username}` : `/social/accounts/${result.id}`,
          303,
        );
      }
      const failure = LOOKUP_ERRORS[result.reason];
      return reply.code(failure.status).view('social/search.njk', { ...base, error: failure.message });
    },
  );

  app.get(
    '/social/accounts/:id',
    { schema: { params: IdParams, querystring: MaxIdQuery } },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      const viewerId = request.user?.id ?? null;
      const account = await federation.getRemoteAccount(viewerId, request.params.id);
      if (!account) throw new AppError('RESOURCE_NOT_FOUND', 'We do not know that account');
      const timeline = account.blocked
        ? { items: [], nextMaxId: null }
        : await federation.accountTimeline(viewerId, account.account.uri, { maxId: request.query.max_id });
      return reply.view('social/account.njk', {
        title: account.account.name,
        account,
        timeline,
        member: viewerId ? await federation.getMember(viewerId) : null,
        ...(await hubNav(app, request, 'search')),
      });
    },
  );

  app.post(
    '/social/accounts/:id/refresh',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: CsrfForm },
    },
    async (request, reply) => {
      const result = await federation.refreshRemoteAccount(request.params.id, remoteCallOptions(app));
      if (!result.ok && result.reason === 'not_found') throw new AppError('RESOURCE_NOT_FOUND');
      setFlash(reply, app.config, {
        kind: result.ok ? 'success' : 'error',
        message: result.ok ? 'Fetched their latest posts.' : 'Their server did not answer in time.',
      });
      return reply.redirect(`/social/accounts/${request.params.id}`, 303);
    },
  );

  app.post(
    '/social/follow',
    { onRequest: requireUser, preValidation: app.csrfProtection, schema: { body: FollowForm } },
    async (request, reply) => {
      const member = await memberWithHandle(app, request, reply);
      if (!member) return reply;
      const result = await federation.follow(member.userId, request.body.uri, remoteCallOptions(app));
      setFlash(
        reply,
        app.config,
        result.ok
          ? {
              kind: 'success',
              message:
                result.state === 'pending' ? 'Follow requested: waiting for their approval.' : 'Following.',
            }
          : { kind: 'error', message: FOLLOW_ERRORS[result.reason] ?? 'That did not work.' },
      );
      return reply.redirect(backTo(request.body.back, '/social/home'), 303);
    },
  );

  app.post(
    '/social/unfollow',
    { onRequest: requireUser, preValidation: app.csrfProtection, schema: { body: FollowForm } },
    async (request, reply) => {
      const member = await memberWithHandle(app, request, reply);
      if (!member) return reply;
      const result = await federation.unfollow(member.userId, request.body.uri);
      setFlash(reply, app.config, {
        kind: result.ok ? 'success' : 'error',
        message: result.ok ? 'Unfollowed.' : 'You were not following that account.',
      });
      return reply.redirect(backTo(request.body.back, '/social/home'), 303);
    },
  );

  // "Follow from your server": a visitor of an actor page (any app's) types @me@their.server.
  app.get(
    '/remote-follow',
    { schema: { querystring: RemoteFollowQuery }, config: { rateLimit: LOOKUP_RATE_LIMIT } },
    async (request, reply) => {
      const { uri, acct } = request.query;
      const base = { title: 'Follow from your server', uri, acct: acct ?? '' };
      if (!acct) return reply.view('remote-follow.njk', base);
      const result = await federation.remoteFollowUrl(acct, uri, remoteCallOptions(app));
      if (result.ok) return reply.redirect(result.url, 303);
      const failure = REMOTE_FOLLOW_ERRORS[result.reason];
      return reply.code(failure.status).view('remote-follow.njk', { ...base, error: failure.message });
    },
  );

  // Our own subscribe template (WebFinger): another server's user sends their member here.
  app.get(
    '/authorize_interaction',
    { preHandler: requireUser, schema: { querystring: InteractionQuery } },
    async (request, reply) =>
      reply.redirect(`/social/search?q=${encodeURIComponent(request.query.uri)}`, 303),
  );
};

export default accountRoutes;
