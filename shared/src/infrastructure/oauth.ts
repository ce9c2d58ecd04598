import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type * as Jose from 'jose';
import type { JWTPayload } from 'jose';
import type * as oidc from 'openid-client';
import { z } from 'zod';
import type { AppName } from '../config/index.ts';
import type { ZodTypeProvider } from './contracts.ts';
import { AppError } from './errors.ts';
import { lazyRequire } from './lazy.ts';
import { endSession, startSession } from './sessions.ts';

/** The OpenID client and JOSE libraries load with the first sign-in, callback or logout. */
const oidcLib = lazyRequire<typeof oidc>('openid-client');
const jose = lazyRequire<typeof Jose>('jose');

/** Seconds a started sign-in (PKCE verifier, state, nonce) stays valid. */
const PENDING_TTL_SECONDS = 600;
/** Seconds between silent (`prompt=none`) checks for one anonymous browser. */
export const SILENT_SSO_INTERVAL_SECONDS = 300;
/** Logout tokens older than this are refused (and their jti remembered that long). */
const LOGOUT_TOKEN_MAX_AGE_SECONDS = 120;
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const SCOPE = 'openid email profile';

interface PendingSignIn {
  codeVerifier: string;
  nonce: string;
  returnTo: string;
  silent: boolean;
}

/** The issuer every app trusts: federation's public URL + `/oidc` (never derived from requests). */
export function issuerUrl(app: FastifyInstance): string {
  return `${app.config.apps.federation.publicUrl}/oidc`;
}

/**
 * Only same-site relative paths are accepted as `returnTo` (no open redirect): `/x?y`, never
 * `//evil`, `/\evil`, `/.//evil` or an absolute URL. Anything else becomes `/`.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return '/';
  // Backslashes (browsers read them as slashes) and control characters are never legitimate.
  if (value.includes('\\') || [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    return '/';
  }
  try {
    const base = 'http://same.invalid';
    const url = new URL(value, base);
    if (url.origin !== base) return '/';
    // Normalising dot segments can turn `/.//evil`, `/%2e//evil` or `/a/..//evil` into
    // `//evil`, which a browser reads as another host: never hand that out.
    if (url.pathname.startsWith('//')) return '/';
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return '/';
  }
}

/**
 * Talks to the provider. Browser-facing endpoints (authorize, end session) use the public
 * issuer; server-to-server calls (token, JWKS) go to federation's internal URL, so the apps
 * never leave the private network to reach each other.
 */
class ProviderClient {
  private configuration: Promise<oidc.Configuration> | null = null;
  private jwks: ReturnType<typeof Jose.createRemoteJWKSet> | null = null;

  private readonly app: FastifyInstance;

  constructor(app: FastifyInstance) {
    this.app = app;
  }

  get clientId(): Exclude<AppName, 'federation'> {
    return this.app.appName as Exclude<AppName, 'federation'>;
  }

  get issuer(): string {
    return issuerUrl(this.app);
  }

  private get internalIssuer(): string {
    return `${this.app.config.apps.federation.internalUrl}/oidc`;
  }

  /** Discovery happens at first use (federation may start after us) and is retried after a failure. */
  config(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((err: unknown) => {
      this.configuration = null;
      throw err;
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    // The provider builds endpoint URLs from the request's host; asking internally, we say
    // which public host we mean (it trusts forwarded headers, as behind the proxy).
    const publicBase = new URL(this.app.config.apps.federation.publicUrl);
    const res = await fetch(`${this.internalIssuer}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-host': publicBase.host, 'x-forwarded-proto': publicBase.protocol.slice(0, -1) },
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`OIDC discovery answered ${res.status}`);
    const metadata = (await res.json()) as oidc.ServerMetadata;
    if (metadata.issuer !== this.issuer) {
      throw new Error(`OIDC issuer mismatch: expected ${this.issuer}, got ${metadata.issuer}`);
    }
    const internal = (url: string | undefined) =>
      url?.startsWith(this.issuer) ? `${this.internalIssuer}${url.slice(this.issuer.length)}` : url;
    const serverMetadata: oidc.ServerMetadata = {
      ...metadata,
      token_endpoint: internal(metadata.token_endpoint),
      jwks_uri: internal(metadata.jwks_uri),
      userinfo_endpoint: internal(metadata.userinfo_endpoint),
    };
    const secret = this.app.config.secrets.oidcClientSecrets[this.clientId];
    const configuration = new (oidcLib().Configuration)(
      serverMetadata,
      this.clientId,
      undefined,
      oidcLib().ClientSecretBasic(secret),
    );
    if (!this.app.config.isProduction) oidcLib().allowInsecureRequests(configuration);
    return configuration;
  }

  keySet(): ReturnType<typeof Jose.createRemoteJWKSet> {
    this.jwks ??= jose().createRemoteJWKSet(new URL(`${this.internalIssuer}/jwks`), {
      timeoutDuration: 5_000,
    });
    return this.jwks;
  }
}

const LoginQuery = z.object({
  // Anything not a same-site path is replaced by `/` (safeReturnTo): never an error.
  returnTo: z.string().max(2_000).optional().catch(undefined),
  prompt: z.literal('none').optional().catch(undefined),
});
const CallbackQuery = z.object({
  state: z.string().max(500).optional(),
  code: z.string().max(2_000).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2_000).optional(),
  iss: z.string().max(2_000).optional(),
});
const CsrfBody = z.object({ _csrf: z.string().max(200).optional() });
const BackchannelBody = z.object({ logout_token: z.string().min(1).max(8_000) });
const Empty = z.object({});

const BOT_UA =
  /bot|crawl|spider|slurp|preview|facebookexternalhit|curl|wget|python|httpclient|java\/|go-http|feed|rss/i;
const NO_SILENT_PREFIXES = [
  '/auth/',
  '/api/',
  '/internal/',
  '/static/',
  '/media/',
  '/fragments',
  '/ap/',
  '/users/',
  '/inbox',
  '/.well-known/',
  '/nodeinfo',
  '/healthz',
  '/readyz',
  '/ghost/',
];
const FEED_PATH = /(^\/rss\/?$|\/feed\/?$|\.(xml|ics|json|rss|atom|txt)$)/i;

/** Whether this request may be sent on one silent `prompt=none` round trip. */
export function wantsSilentSso(request: FastifyRequest, checkedCookie: string): boolean {
  if (request.method !== 'GET' || request.user || request.wantsJson) return false;
  if (!request.routeOptions.url) return false;
  if (request.cookies[checkedCookie]) return false;
  const path = request.url.split('?')[0] ?? '/';
  if (NO_SILENT_PREFIXES.some((p) => path.startsWith(p)) || FEED_PATH.test(path)) return false;
  const accept = request.headers.accept ?? '';
  if (!accept.includes('text/html')) return false;
  if (/activity\+json|ld\+json/.test(accept)) return false;
  // Only a browser loading a top-level page: current browsers say `Sec-Fetch-Dest: document`,
  // older ones at least `Upgrade-Insecure-Requests: 1` on navigations. fetch/XHR, iframes,
  // feed readers, crawlers and scripts never get the round trip.
  const dest = request.headers['sec-fetch-dest'];
  if (dest ? dest !== 'document' : request.headers['upgrade-insecure-requests'] !== '1') return false;
  if (request.headers['hx-request'] || request.headers['x-requested-with']) return false;
  const ua = request.headers['user-agent'] ?? '';
  return !BOT_UA.test(ua);
}

/**
 * The OIDC client every app except federation gets: `/auth/login`, `/auth/callback`,
 * `POST /auth/logout`, `POST /auth/backchannel-logout`, and silent SSO for a first anonymous
 * page view. Needs the sessions plugin.
 */
export const oauthClientPlugin = fp(
  async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const provider = new ProviderClient(app);
    const name = app.appName;
    const publicUrl = app.config.apps[name].publicUrl;
    const redirectUri = `${publicUrl}/auth/callback`;
    const pendingCookie = `${name}_auth`;
    const checkedCookie = `${name}_sso_checked`;
    const pendingKey = (state: string) => `oauth-pending:${name}:${state}`;
    const cookieBase = { httpOnly: true, sameSite: 'lax' as const, secure: app.config.isProduction };

    const markChecked = (reply: FastifyReply) =>
      reply.setCookie(checkedCookie, '1', { ...cookieBase, path: '/', maxAge: SILENT_SSO_INTERVAL_SECONDS });

    // A callback hook (no promise per request); answering early, it does not call done.
    app.addHook('onRequest', (request, reply, done) => {
      if (!wantsSilentSso(request, checkedCookie)) return done();
      // Marked before the round trip, so a failing provider can never cause a loop.
      markChecked(reply);
      reply.redirect(
        `/auth/login?prompt=none&returnTo=${encodeURIComponent(safeReturnTo(request.url))}`,
        302,
      );
    });

    app.get('/auth/login', { schema: { querystring: LoginQuery } }, async (request, reply) => {
      const returnTo = safeReturnTo(request.query.returnTo);
      const silent = request.query.prompt === 'none';
      let configuration: oidc.Configuration;
      try {
        configuration = await provider.config();
      } catch (err) {
        request.log.warn({ err }, 'OIDC provider unreachable');
        if (silent) return reply.redirect(returnTo, 302);
        throw new AppError('AUTH_SIGN_IN_UNAVAILABLE', undefined, { retryAfter: 30 });
      }
      const codeVerifier = oidcLib().randomPKCECodeVerifier();
      const state = oidcLib().randomState();
      const nonce = oidcLib().randomNonce();
      const pending: PendingSignIn = { codeVerifier, nonce, returnTo, silent };
      try {
        await app.cache.set(pendingKey(state), JSON.stringify(pending), PENDING_TTL_SECONDS);
      } catch (err) {
        // Redis away: a silent check just goes back (anonymous, as before); a real sign-in is a 503.
        if (silent) return reply.redirect(returnTo, 302);
        throw err;
      }
      reply.setCookie(pendingCookie, state, {
        ...cookieBase,
        path: '/auth',
        signed: true,
        maxAge: PENDING_TTL_SECONDS,
      });
      const url = oidcLib().buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri,
        scope: SCOPE,
        code_challenge: await oidcLib().calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...(silent ? { prompt: 'none' } : {}),
      });
      return reply.header('cache-control', 'no-store').redirect(url.href, 302);
    });

    app.get('/auth/callback', { schema: { querystring: CallbackQuery } }, async (request, reply) => {
      const rawCookie = request.cookies[pendingCookie];
      const cookieState = rawCookie ? request.unsignCookie(rawCookie) : null;
      const state = request.query.state;
      if (!state || !cookieState?.valid || cookieState.value !== state) {
        throw new AppError('AUTH_SIGN_IN_EXPIRED', 'This sign-in link has expired; please sign in again');
      }
      const raw = await app.cache.get(pendingKey(state));
      await app.cache.del(pendingKey(state));
      reply.clearCookie(pendingCookie, { path: '/auth' });
      if (!raw) throw new AppError('AUTH_SIGN_IN_EXPIRED', 'This sign-in has expired; please sign in again');
      const pending = JSON.parse(raw) as PendingSignIn;

      if (request.query.error) {
        if (pending.silent) {
          // login_required and friends: stay anonymous, and do not ask again for a while.
          markChecked(reply);
          return reply.redirect(pending.returnTo, 302);
        }
        request.log.info({ error: request.query.error }, 'sign-in refused by the provider');
        throw new AppError('AUTH_SIGN_IN_REFUSED', 'Sign-in was not completed; please try again');
      }

      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidcLib().authorizationCodeGrant(
          await provider.config(),
          new URL(request.url, publicUrl),
          {
            pkceCodeVerifier: pending.codeVerifier,
            expectedState: state,
            expectedNonce: pending.nonce,
            idTokenExpected: true,
          },
          { redirect_uri: redirectUri },
        );
      } catch (err) {
        request.log.warn({ err }, 'authorization code exchange failed');
        throw new AppError('HTTP_REQUEST_INVALID', 'Sign-in could not be completed; please try again');
      }
      const claims = tokens.claims();
      const email = typeof claims?.['email'] === 'string' ? claims['email'] : null;
      const id = Number(claims?.sub);
      if (!claims || !email || !Number.isSafeInteger(id)) {
        request.log.warn({ sub: claims?.sub }, 'ID token without the expected claims');
        throw new AppError('HTTP_REQUEST_INVALID', 'Sign-in could not be completed; please try again');
      }
      await startSession(request, reply, {
        user: {
          id,
          email,
          name: typeof claims['name'] === 'string' ? claims['name'] : null,
          username: typeof claims['preferred_username'] === 'string' ? claims['preferred_username'] : null,
        },
        sub: claims.sub,
        sid: typeof claims['sid'] === 'string' ? claims['sid'] : null,
        idToken: tokens.id_token ?? null,
      });
      return reply.header('cache-control', 'no-store').redirect(pending.returnTo, 302);
    });

    // The account menu links here; the form posts (with its CSRF token) to the route below.
    app.get('/auth/logout', async (_request, reply) =>
      reply.header('cache-control', 'no-store').view('auth/logout.njk', { title: 'Sign out' }),
    );

    app.post(
      '/auth/logout',
      { preValidation: app.csrfProtection, schema: { body: CsrfBody } },
      async (request, reply) => {
        const ended = await endSession(request, reply);
        markChecked(reply);
        if (!ended?.idToken) return reply.redirect('/', 303);
        try {
          const url = oidcLib().buildEndSessionUrl(await provider.config(), {
            id_token_hint: ended.idToken,
            post_logout_redirect_uri: `${publicUrl}/`,
          });
          return reply.redirect(url.href, 303);
        } catch (err) {
          request.log.warn({ err }, 'OIDC provider unreachable at logout; local session ended only');
          return reply.redirect('/', 303);
        }
      },
    );

    app.post(
      '/auth/backchannel-logout',
      { schema: { body: BackchannelBody, response: { 200: Empty } } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const verified = await verifyLogoutToken(app, provider, request.body.logout_token);
        if (!verified.ok) {
          request.log.info({ reason: verified.reason }, 'logout token refused');
          throw new AppError(
            'AUTH_LOGOUT_TOKEN_INVALID',
            `The logout token is not valid: ${verified.reason}`,
          );
        }
        const { sid, sub } = verified;
        const ended = sid
          ? await app.sessions.destroyBySid(sid)
          : sub
            ? await app.sessions.destroyBySub(sub)
            : 0;
        request.log.info({ ended }, 'back-channel logout');
        return reply.code(200).send({});
      },
    );
  },
  { name: 'rose-ash-oauth-client', fastify: '5.x', dependencies: ['rose-ash-sessions'] },
);

type LogoutTokenResult =
  | { ok: true; sid: string | undefined; sub: string | undefined }
  | { ok: false; reason: string };

/** Verifies a back-channel logout token (OIDC Back-Channel Logout 1.0, §2.6) and burns its jti. */
async function verifyLogoutToken(
  app: FastifyInstance,
  provider: ProviderClient,
  token: string,
): Promise<LogoutTokenResult> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jose().jwtVerify(token, provider.keySet(), {
      issuer: provider.issuer,
      audience: provider.clientId,
      algorithms: ['RS256'],
      typ: 'logout+jwt',
      maxTokenAge: LOGOUT_TOKEN_MAX_AGE_SECONDS,
    }));
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const events = payload['events'];
  if (!events || typeof events !== 'object' || !(BACKCHANNEL_EVENT in events)) {
    return { ok: false, reason: 'events claim missing' };
  }
  if ('nonce' in payload) return { ok: false, reason: 'nonce not allowed' };
  const sid = typeof payload['sid'] === 'string' ? payload['sid'] : undefined;
  if (!sid && !payload.sub) return { ok: false, reason: 'sid or sub required' };
  if (!payload.jti) return { ok: false, reason: 'jti required' };
  const fresh = await app.cache.setIfAbsent(
    `oauth-logout-jti:${app.appName}:${payload.jti}`,
    '1',
    LOGOUT_TOKEN_MAX_AGE_SECONDS * 2,
  );
  if (!fresh) return { ok: false, reason: 'replayed' };
  return { ok: true, sid, sub: payload.sub };
}
