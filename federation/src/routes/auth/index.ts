import type { IncomingMessage } from 'node:http';
import middie from '@fastify/middie';
import type { MagicLink } from '@rose-ash/shared/db/schema/users.ts';
import { createMailer } from '@rose-ash/shared/infrastructure/mail.ts';
import { hitRateLimits, type RateLimitRule } from '@rose-ash/shared/infrastructure/rate-limit.ts';
import { endSession, startSession } from '@rose-ash/shared/infrastructure/sessions.ts';
import {
  consumeMagicLink,
  consumeMagicLinkByCode,
  findLiveMagicLink,
  issueMagicLink,
  MAGIC_LINK_TTL_MINUTES,
  magicLinkMail,
} from '@rose-ash/shared/services/federation/magic-link-service.ts';
import { signInUserByEmail, toSessionUser } from '@rose-ash/shared/services/federation/user-service.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errors } from 'oidc-provider';
import { z } from 'zod';
import { CLIENT_APPS, createOidcProvider, FIRST_PARTY_SCOPE } from '../../services/oidc-provider.ts';

/** Link requests per address, and per IP, in 15 minutes. */
export const LINKS_PER_ADDRESS: RateLimitRule = {
  name: 'magic-link:email',
  limit: 5,
  windowSeconds: 15 * 60,
};
export const LINKS_PER_IP: RateLimitRule = { name: 'magic-link:ip', limit: 30, windowSeconds: 15 * 60 };

const linkRequestBody = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  uid: z
    .string()
    .regex(/^[\w-]{1,100}$/)
    .optional(),
  returnTo: z.string().max(2_000).optional(),
});
const codeBody = z.object({
  ref: z.coerce.number().int().positive(),
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/),
  email: z.string().optional(),
});
const tokenParams = z.object({ token: z.string().regex(/^[\w-]{20,100}$/) });
const uidParams = z.object({ uid: z.string().regex(/^[\w-]{1,100}$/) });
const loginQuery = z.object({ returnTo: z.string().max(2_000).optional() });
const fallbackQuery = z.object({ fallback: z.string().max(2_000).optional() });

/**
 * Federation's sign-in: the OpenID provider at /oidc, its interaction pages, magic-link login
 * (link + 6-digit code), federation's own session for its pages, and /dev/mail in development.
 */
const authRoutes = fp(
  async (app: FastifyInstance) => {
    const { config } = app;
    const federationUrl = config.apps.federation.publicUrl;
    const mailer = createMailer(config, app.log);
    const appOrigins = new Set(Object.values(config.apps).map((a) => new URL(a.publicUrl).origin));

    /** A continuation target: a federation path, or a URL on one of our apps; else null. */
    const safeTarget = (value: unknown): string | null => {
      if (typeof value !== 'string' || !value) return null;
      try {
        const url = new URL(value, federationUrl);
        if (!appOrigins.has(url.origin)) return null;
        return url.origin === new URL(federationUrl).origin ? `${url.pathname}${url.search}` : url.href;
      } catch {
        return null;
      }
    };

    const provider = await createOidcProvider({
      config,
      db: app.db.db,
      logger: app.log,
      onSessionEnded: async (req: IncomingMessage) => {
        const raw = app.parseCookie(req.headers.cookie ?? '')[app.sessionCookieName];
        const unsigned = raw ? app.unsignCookie(raw) : null;
        if (unsigned?.valid && unsigned.value) await app.sessions.destroy(unsigned.value);
      },
    });

    await app.register(middie);
    app.use('/oidc', provider.callback());

    app.addHook('onClose', async () => {
      mailer.close();
    });

    const problem = (
      reply: FastifyReply,
      status: number,
      heading: string,
      message: string,
      againUrl?: string,
    ) =>
      reply
        .code(status)
        .view('auth/problem.njk', { title: heading, status, heading, message, again_url: againUrl });
    const linkGone = (reply: FastifyReply) =>
      problem(
        reply,
        400,
        'This link no longer works',
        `Sign-in links work once, for ${MAGIC_LINK_TTL_MINUTES} minutes. Please ask for a new one.`,
      );

    /** Where a browser goes once federation's session exists, after a link or code was used. */
    const continueAfterSignIn = (link: MagicLink) => {
      if (link.interactionUid) {
        const fallback = safeTarget(link.returnTo);
        return `/interaction/${encodeURIComponent(link.interactionUid)}${fallback ? `?fallback=${encodeURIComponent(fallback)}` : ''}`;
      }
      return safeTarget(link.returnTo) ?? '/auth/login';
    };

    const signIn = async (request: FastifyRequest, reply: FastifyReply, email: string) => {
      const user = await signInUserByEmail(app.db.db, email);
      const sessionUser = toSessionUser(user, config.admins);
      const { isAdmin: _admin, ...stored } = sessionUser;
      await startSession(request, reply, { user: stored, sub: String(user.id), sid: null, idToken: null });
    };

    // The provider sends every sign-in here; federation's session answers it when present.
    app.get('/interaction/:uid', async (request, reply) => {
      const params = uidParams.safeParse(request.params);
      if (!params.success)
        return problem(reply, 400, 'Sign-in expired', 'This sign-in request is not valid.');
      reply.header('cache-control', 'no-store');
      let details: Awaited<ReturnType<typeof provider.interactionDetails>>;
      try {
        details = await provider.interactionDetails(request.raw, reply.raw);
      } catch (err) {
        if (!(err instanceof errors.SessionNotFound)) throw err;
        // Another browser, or too late: with federation's session, carry on where sign-in began.
        const fallback = safeTarget(fallbackQuery.safeParse(request.query).data?.fallback);
        if (request.user && fallback) return reply.redirect(fallback, 303);
        return problem(
          reply,
          400,
          'Sign-in expired',
          'This sign-in started in another browser or took too long. Please start again.',
        );
      }
      if (details.uid !== params.data.uid)
        return problem(reply, 400, 'Sign-in expired', 'Please start again.');
      const clientId = String(details.params['client_id'] ?? '');
      if (details.prompt.name === 'login') {
        if (request.user) {
          const to = await provider.interactionResult(
            request.raw,
            reply.raw,
            { login: { accountId: String(request.user.id) } },
            { mergeWithLastSubmission: false },
          );
          return reply.redirect(to, 303);
        }
        return reply.view('auth/login.njk', { title: 'Sign in', uid: details.uid });
      }
      if (details.prompt.name === 'consent' && (CLIENT_APPS as readonly string[]).includes(clientId)) {
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session?.accountId ?? '', clientId });
        if (!grant) return problem(reply, 400, 'Sign-in expired', 'Please start again.');
        grant.addOIDCScope(FIRST_PARTY_SCOPE);
        const grantId = await grant.save();
        const to = await provider.interactionResult(
          request.raw,
          reply.raw,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
        return reply.redirect(to, 303);
      }
      return problem(reply, 400, 'Sign-in not possible', 'This application cannot sign in here.');
    });

    app.get('/auth/login', async (request, reply) => {
      const returnTo = safeTarget(loginQuery.safeParse(request.query).data?.returnTo) ?? '/';
      if (request.user) return reply.redirect(returnTo, 303);
      return reply.view('auth/login.njk', { title: 'Sign in', return_to: returnTo });
    });

    app.post('/auth/magic-link', { preHandler: app.csrfProtection }, async (request, reply) => {
      const body = linkRequestBody.safeParse(request.body);
      if (!body.success) {
        return reply.code(400).view('auth/login.njk', {
          title: 'Sign in',
          error: 'Please enter a valid e-mail address.',
          ...(typeof (request.body as Record<string, unknown>)?.['uid'] === 'string'
            ? { uid: (request.body as Record<string, string>)['uid'] }
            : {}),
        });
      }
      const { email, uid } = body.data;
      const limited = await hitRateLimits(app.cache, [
        { rule: LINKS_PER_ADDRESS, subject: email },
        { rule: LINKS_PER_IP, subject: request.ip },
      ]);
      if (!limited.ok) {
        reply.header('retry-after', String(limited.retryAfter));
        return reply.code(429).view('auth/problem.njk', {
          title: 'Too many sign-in requests',
          status: 429,
          heading: 'Too many sign-in requests',
          message: `Please check your mail for the links already sent, or try again in ${Math.ceil(limited.retryAfter / 60)} minutes.`,
        });
      }
      let returnTo = safeTarget(body.data.returnTo);
      if (uid) {
        // Opened on another device, the link goes back to the app that asked, which starts a
        // fresh authorization request that completes without a prompt.
        try {
          const details = await provider.Interaction.find(uid);
          const clientId = details?.params['client_id'];
          if (typeof clientId === 'string' && (CLIENT_APPS as readonly string[]).includes(clientId)) {
            returnTo = `${config.apps[clientId as (typeof CLIENT_APPS)[number]].publicUrl}/auth/login`;
          }
        } catch (err) {
          request.log.warn({ err }, 'interaction lookup failed');
        }
      }
      const issued = await issueMagicLink(app.db.db, {
        email,
        returnTo,
        interactionUid: uid ?? null,
        ip: request.ip,
      });
      await mailer.send(
        magicLinkMail({
          to: email,
          siteName: config.site.name,
          link: `${federationUrl}/auth/magic/${issued.token}`,
          code: issued.code,
        }),
      );
      // The same page whether or not the address belongs to a member.
      return reply.view('auth/check-mail.njk', {
        title: 'Check your mail',
        email,
        ref: issued.id,
        ttl_minutes: MAGIC_LINK_TTL_MINUTES,
      });
    });

    // GET only shows a button: mail scanners prefetch links, and must not use them up.
    app.get('/auth/magic/:token', async (request, reply) => {
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      const params = tokenParams.safeParse(request.params);
      const link = params.success ? await findLiveMagicLink(app.db.db, params.data.token) : null;
      if (!params.success || !link) {
        return linkGone(reply);
      }
      return reply.view('auth/continue.njk', {
        title: 'Sign in',
        email: link.userEmail,
        token: params.data.token,
      });
    });

    app.post('/auth/magic/:token', { preHandler: app.csrfProtection }, async (request, reply) => {
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      const params = tokenParams.safeParse(request.params);
      const link = params.success ? await consumeMagicLink(app.db.db, params.data.token) : null;
      if (!params.success || !link) {
        return linkGone(reply);
      }
      await signIn(request, reply, link.userEmail);
      return reply.redirect(continueAfterSignIn(link), 303);
    });

    app.post('/auth/code', { preHandler: app.csrfProtection }, async (request, reply) => {
      const body = codeBody.safeParse(request.body);
      if (!body.success)
        return problem(reply, 400, 'Wrong code', 'The code is the 6 digits from the sign-in mail.');
      const result = await consumeMagicLinkByCode(app.db.db, body.data.ref, body.data.code);
      if (!result.ok) {
        const message =
          result.reason === 'invalid'
            ? 'That code is not right. Check the mail and try again, or open the link in it.'
            : result.reason === 'too-many-attempts'
              ? 'Too many wrong codes. Open the link in the mail instead, or ask for a new one.'
              : 'This code has expired or was already used. Please ask for a new one.';
        return problem(
          reply,
          400,
          result.reason === 'invalid' ? 'Wrong code' : 'This code no longer works',
          message,
        );
      }
      await signIn(request, reply, result.link.userEmail);
      return reply.redirect(continueAfterSignIn(result.link), 303);
    });

    // The account menu's "Sign out" link lands here on every app; this is federation's page.
    app.get('/auth/logout', async (request, reply) => {
      if (!request.user) return reply.redirect('/auth/login', 303);
      return reply.header('cache-control', 'no-store').view('auth/signed-in.njk', { title: 'Sign out' });
    });

    app.get('/auth/signed-in', async (request, reply) => {
      if (!request.user) return reply.redirect('/auth/login', 303);
      return reply.view('auth/signed-in.njk', { title: 'Signed in' });
    });

    // Federation's own sign-out, then the provider's (which signs out every app too).
    app.post('/auth/logout', { preHandler: app.csrfProtection }, async (request, reply) => {
      await endSession(request, reply);
      return reply.redirect('/oidc/session/end', 303);
    });

    app.get('/dev/mail', async (_request, reply) => {
      if (config.env !== 'development') return reply.callNotFound();
      const mails = mailer.outbox().map((m) => ({ ...m, links: m.text.match(/https?:\/\/\S+/g) ?? [] }));
      return reply.view('auth/dev-mail.njk', { title: 'Development outbox', mails });
    });
  },
  { name: 'federation-auth', fastify: '5.x', dependencies: ['rose-ash-sessions'] },
);

export default authRoutes;
