import type { IncomingMessage, ServerResponse } from 'node:http';
import middie from '@fastify/middie';
import type { ZodTypeProvider } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { createMailer } from '@rose-ash/shared/infrastructure/mail.ts';
import { safeReturnTo } from '@rose-ash/shared/infrastructure/oauth.ts';
import { endSession, startSession } from '@rose-ash/shared/infrastructure/sessions.ts';
import {
  consumeMagicLink,
  consumeMagicLinkByCode,
  findLiveMagicLink,
  issueMagicLink,
  MAGIC_LINK_TTL_MINUTES,
  type MagicLinkRow,
  magicLinkMail,
} from '@rose-ash/shared/services/federation/magic-link-service.ts';
import { signInUserByEmail, toSessionUser } from '@rose-ash/shared/services/federation/user-service.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { CLIENT_APPS, createOidcProvider, FIRST_PARTY_SCOPE } from '../../services/oidc-provider.ts';

/** Sign-in limits, per 15 minutes: link requests per address and per client, code guesses per client. */
export const SIGN_IN_LIMITS = {
  linksPerAddress: 5,
  linksPerClient: 30,
  codesPerClient: 20,
  windowMs: 15 * 60_000,
} as const;

/** The signed cookie binding a "check your mail" page's ref to the browser that asked. */
const CODE_REF_COOKIE = 'federation_code_ref';

const Uid = z.string().regex(/^[\w-]{1,100}$/, 'not a sign-in request id');
const LinkRequestBody = z.object({
  _csrf: z.string().max(200).optional(),
  email: z.string().trim().toLowerCase().max(320).pipe(z.email('Please enter a valid e-mail address.')),
  uid: Uid.optional(),
  returnTo: z.string().max(2_000).optional(),
});
const CodeBody = z.object({
  _csrf: z.string().max(200).optional(),
  ref: z.coerce.number().int().positive().max(2_147_483_647),
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'The code is the 6 digits from the sign-in mail.'),
  email: z.string().max(320).optional(),
});
const TokenParams = z.object({ token: z.string().regex(/^[\w-]{20,100}$/, 'not a sign-in link') });
const UidParams = z.object({ uid: Uid });
const ReturnToQuery = z.object({ returnTo: z.string().max(2_000).optional() });
const FallbackQuery = z.object({ fallback: z.string().max(2_000).optional() });
const CsrfBody = z.object({ _csrf: z.string().max(200).optional() });

/**
 * Federation's sign-in: the OpenID provider at /oidc, its interaction pages, magic-link login
 * (link + 6-digit code), federation's own session for its pages, and /dev/mail in development.
 */
const authRoutes = fp(
  async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const { config } = app;
    const federationUrl = config.apps.federation.publicUrl;
    const federationOrigin = new URL(federationUrl).origin;
    const mailer = createMailer(config, app.log);
    const appOrigins = new Set(Object.values(config.apps).map((a) => new URL(a.publicUrl).origin));
    // Codes are stored keyed under a server secret (never a plain hash of six digits).
    const codeKey = `${config.secrets.internalToken}:magic-link-codes`;

    /**
     * A continuation target: a same-origin federation path, or a URL on one of our apps; else
     * null. Paths go through the same normalisation as every returnTo (no `/.//evil`).
     */
    const safeTarget = (value: unknown): string | null => {
      if (typeof value !== 'string' || !value) return null;
      if (value.startsWith('/')) {
        const path = safeReturnTo(value);
        return path === '/' && value !== '/' ? null : path;
      }
      try {
        const url = new URL(value);
        if (!appOrigins.has(url.origin)) return null;
        if (url.origin === federationOrigin) return safeTarget(`${url.pathname}${url.search}`);
        return url.pathname.startsWith('//') ? null : url.href;
      } catch {
        return null;
      }
    };

    // The provider is built on first use (the first /oidc or interaction request), so a
    // federation process nobody has signed in through yet does not hold it in memory. A failed
    // build is tried again on the next request.
    let building: Promise<{ provider: Provider; callback: ReturnType<Provider['callback']> }> | null = null;
    const oidc = () => {
      building ??= createOidcProvider(providerDeps).then((provider) => ({
        provider,
        callback: provider.callback(),
      }));
      building.catch(() => {
        building = null;
      });
      return building;
    };
    const providerDeps: Parameters<typeof createOidcProvider>[0] = {
      config,
      db: app.db.db,
      logger: app.log,
      onSessionEnded: async (req: IncomingMessage) => {
        const raw = app.parseCookie(req.headers.cookie ?? '')[app.sessionCookieName];
        const unsigned = raw ? app.unsignCookie(raw) : null;
        if (unsigned?.valid && unsigned.value) await app.sessions.destroy(unsigned.value);
      },
      // The apps' sessions carry the provider's sid; federation's own session is tied to the
      // provider session of the same browser here, so "sign out this device" can end it too.
      onAuthorized: async (req: IncomingMessage, sessionUid: string) => {
        const raw = app.parseCookie(req.headers.cookie ?? '')[app.sessionCookieName];
        const unsigned = raw ? app.unsignCookie(raw) : null;
        if (unsigned?.valid && unsigned.value) await app.sessions.linkDevice(sessionUid, unsigned.value);
      },
    };

    // Anonymous requests that make the provider store state (an interaction, a logout form's
    // session) are limited per client, like the sign-in forms. Added before middie, whose own
    // onRequest hook hands /oidc/* to the provider.
    const providerPerClient = app.createRateLimit({
      max: 60,
      timeWindow: 60_000,
      keyGenerator: (r) => `oidc:ip:${r.clientIp}`,
    });
    app.addHook('onRequest', async (request) => {
      if (!/^\/oidc\/(auth|session\/end)\b/.test(request.url) || request.user) return;
      const verdict = await providerPerClient(request);
      if (!verdict.isAllowed && verdict.isExceeded) {
        throw new AppError('HTTP_RATE_LIMITED', undefined, { retryAfter: verdict.ttlInSeconds });
      }
    });
    await app.register(middie);
    // The provider writes its own responses: give them the headers every other page carries
    // (a "sign out everywhere?" page must not be framed).
    app.use('/oidc', (_req: IncomingMessage, res: ServerResponse, next: () => void) => {
      for (const [name, value] of Object.entries(app.securityHeaders)) res.setHeader(name, value);
      next();
    });
    app.use('/oidc', (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => {
      oidc().then(({ callback }) => callback(req, res), next);
    });

    app.addHook('onClose', async () => {
      mailer.close();
    });

    // ---- rate limits (@fastify/rate-limit, counters in Redis) ------------------------------
    const limiter = (max: number, key: (request: FastifyRequest) => string) =>
      app.createRateLimit({ max, timeWindow: SIGN_IN_LIMITS.windowMs, keyGenerator: key });
    const linksPerAddress = limiter(
      SIGN_IN_LIMITS.linksPerAddress,
      (r) => `magic-link:email:${(r.body as { email: string }).email}`,
    );
    const linksPerClient = limiter(SIGN_IN_LIMITS.linksPerClient, (r) => `magic-link:ip:${r.clientIp}`);
    const codesPerClient = limiter(SIGN_IN_LIMITS.codesPerClient, (r) => `magic-code:ip:${r.clientIp}`);
    /** Counts this request against every limit given; the first exceeded one answers 429. */
    const enforce = async (
      request: FastifyRequest,
      limits: ReturnType<typeof limiter>[],
      message: (minutes: number) => string,
    ) => {
      const results = await Promise.all(limits.map((limit) => limit(request)));
      const exceeded = results.filter((r) => !r.isAllowed && r.isExceeded);
      if (exceeded.length === 0) return;
      const retryAfter = Math.max(...exceeded.map((r) => (r.isAllowed ? 0 : r.ttlInSeconds)), 1);
      throw new AppError('AUTH_SIGN_IN_RATE_LIMITED', message(Math.ceil(retryAfter / 60)), {
        heading: 'Too many sign-in requests',
        retryAfter,
      });
    };

    const linkGone = () =>
      new AppError(
        'AUTH_LINK_INVALID',
        `Sign-in links work once, for ${MAGIC_LINK_TTL_MINUTES} minutes. Please ask for a new one.`,
        { heading: 'This link no longer works', action: { href: '/auth/login', label: 'Start again' } },
      );
    const expired = (message = 'Please start again.') =>
      new AppError('AUTH_SIGN_IN_EXPIRED', message, {
        heading: 'Sign-in expired',
        action: { href: '/auth/login', label: 'Start again' },
      });

    /** Where a browser goes once federation's session exists, after a link or code was used. */
    const continueAfterSignIn = (link: MagicLinkRow) => {
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
    app.get(
      '/interaction/:uid',
      { schema: { params: UidParams, querystring: FallbackQuery } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const { provider } = await oidc();
        let details: Awaited<ReturnType<typeof provider.interactionDetails>>;
        try {
          details = await provider.interactionDetails(request.raw, reply.raw);
        } catch (err) {
          const { errors } = await import('oidc-provider');
          if (!(err instanceof errors.SessionNotFound)) throw err;
          // Another browser, or too late: with federation's session, carry on where sign-in began.
          const fallback = safeTarget(request.query.fallback);
          if (request.user && fallback) return reply.redirect(fallback, 303);
          throw expired('This sign-in started in another browser or took too long. Please start again.');
        }
        if (details.uid !== request.params.uid) throw expired();
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
          if (!grant) throw expired();
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
        throw new AppError('AUTH_SIGN_IN_REFUSED', undefined, { heading: 'Sign-in not possible' });
      },
    );

    app.get('/auth/login', { schema: { querystring: ReturnToQuery } }, async (request, reply) => {
      const returnTo = safeTarget(request.query.returnTo) ?? '/';
      if (request.user) return reply.redirect(returnTo, 303);
      return reply.view('auth/login.njk', { title: 'Sign in', return_to: returnTo });
    });

    app.post(
      '/auth/magic-link',
      {
        preValidation: app.csrfProtection,
        schema: { body: LinkRequestBody },
        config: {
          form: {
            view: 'auth/login.njk',
            context: (request: FastifyRequest) => {
              const body = (request.body ?? {}) as Record<string, unknown>;
              const uid = Uid.safeParse(body['uid']);
              return {
                title: 'Sign in',
                email: typeof body['email'] === 'string' ? body['email'].slice(0, 320) : '',
                ...(uid.success ? { uid: uid.data } : {}),
                return_to: safeTarget(body['returnTo']),
              };
            },
          },
        },
      },
      async (request, reply) => {
        const { email, uid } = request.body;
        await enforce(
          request,
          [linksPerAddress, linksPerClient],
          (minutes) =>
            `Please check your mail for the links already sent, or try again in ${minutes} minutes.`,
        );
        let returnTo = safeTarget(request.body.returnTo);
        if (uid) {
          // Opened on another device, the link goes back to the app that asked, which starts a
          // fresh authorization request that completes without a prompt.
          try {
            const { provider } = await oidc();
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
          ip: request.clientIp,
          codeKey,
        });
        await mailer.send(
          magicLinkMail({
            to: email,
            siteName: config.site.name,
            link: `${federationUrl}/auth/magic/${issued.token}`,
            code: issued.code,
          }),
        );
        // The code answers this ref only in this browser: a ref seen elsewhere is useless.
        reply.setCookie(CODE_REF_COOKIE, String(issued.id), {
          path: '/auth',
          httpOnly: true,
          sameSite: 'lax',
          secure: config.isProduction,
          signed: true,
          maxAge: MAGIC_LINK_TTL_MINUTES * 60,
        });
        // The same page whether or not the address belongs to a member.
        return reply.view('auth/check-mail.njk', {
          title: 'Check your mail',
          email,
          ref: issued.id,
          ttl_minutes: MAGIC_LINK_TTL_MINUTES,
        });
      },
    );

    // GET only shows a button: mail scanners prefetch links, and must not use them up.
    app.get('/auth/magic/:token', { schema: { params: TokenParams } }, async (request, reply) => {
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      const link = await findLiveMagicLink(app.db.db, request.params.token);
      if (!link) throw linkGone();
      return reply.view('auth/continue.njk', {
        title: 'Sign in',
        email: link.userEmail,
        token: request.params.token,
      });
    });

    app.post(
      '/auth/magic/:token',
      { preValidation: app.csrfProtection, schema: { params: TokenParams, body: CsrfBody } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
        const link = await consumeMagicLink(app.db.db, request.params.token);
        if (!link) throw linkGone();
        await signIn(request, reply, link.userEmail);
        return reply.redirect(continueAfterSignIn(link), 303);
      },
    );

    app.post(
      '/auth/code',
      {
        preValidation: app.csrfProtection,
        schema: { body: CodeBody },
        config: {
          form: {
            view: 'auth/check-mail.njk',
            context: (request: FastifyRequest) => {
              const body = (request.body ?? {}) as Record<string, unknown>;
              const ref = Number(body['ref']);
              return {
                title: 'Check your mail',
                email: typeof body['email'] === 'string' ? body['email'].slice(0, 320) : '',
                ref: Number.isSafeInteger(ref) ? ref : '',
                ttl_minutes: MAGIC_LINK_TTL_MINUTES,
              };
            },
          },
        },
      },
      async (request, reply) => {
        const { ref, code } = request.body;
        await enforce(
          request,
          [codesPerClient],
          (minutes) =>
            `Too many codes were tried from here. Open the link in the mail, or try again in ${minutes} minutes.`,
        );
        const raw = request.cookies[CODE_REF_COOKIE];
        const bound = raw ? request.unsignCookie(raw) : null;
        if (!bound?.valid || bound.value !== String(ref)) {
          throw new AppError(
            'AUTH_CODE_EXPIRED',
            'Type the code in the browser that asked for it, or open the link in the mail.',
            {
              heading: 'This code does not work here',
              action: { href: '/auth/login', label: 'Start again' },
            },
          );
        }
        const result = await consumeMagicLinkByCode(app.db.db, ref, code, codeKey);
        if (!result.ok) {
          if (result.reason === 'invalid') {
            throw new AppError(
              'AUTH_CODE_INVALID',
              'That code is not right. Check the mail and try again, or open the link in it.',
              { heading: 'Wrong code' },
            );
          }
          throw new AppError(
            'AUTH_CODE_EXPIRED',
            result.reason === 'too-many-attempts'
              ? 'Too many wrong codes. Open the link in the mail instead, or ask for a new one.'
              : 'This code has expired or was already used. Please ask for a new one.',
            { heading: 'This code no longer works', action: { href: '/auth/login', label: 'Start again' } },
          );
        }
        reply.clearCookie(CODE_REF_COOKIE, { path: '/auth' });
        await signIn(request, reply, result.link.userEmail);
        return reply.redirect(continueAfterSignIn(result.link), 303);
      },
    );

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
    app.post(
      '/auth/logout',
      { preValidation: app.csrfProtection, schema: { body: CsrfBody } },
      async (request, reply) => {
        await endSession(request, reply);
        return reply.redirect('/oidc/session/end', 303);
      },
    );

    app.get('/dev/mail', async (_request, reply) => {
      if (config.env !== 'development') throw new AppError('HTTP_ROUTE_NOT_FOUND');
      const mails = mailer.outbox().map((m) => ({ ...m, links: m.text.match(/https?:\/\/\S+/g) ?? [] }));
      return reply.view('auth/dev-mail.njk', { title: 'Development outbox', mails });
    });
  },
  { name: 'federation-auth', fastify: '5.x', dependencies: ['rose-ash-sessions'] },
);

export default authRoutes;
