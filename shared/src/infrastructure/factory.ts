import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyContextConfig,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type nunjucks from 'nunjucks';
import type { AppConfig, AppName } from '../config/index.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { ServiceRegistry } from '../services/registry.ts';
import { defaultServices } from '../services/wiring.ts';
import { type Cache, RedisCache } from './cache.ts';
import { escapeHtml } from './html-text.ts';
import './auth-types.ts';
import { z } from 'zod';
import { activityPubRoutes } from './activitypub/plugin.ts';
import {
  contractViolation,
  isMalformedBody,
  postedValues,
  refuseNulBytes,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from './contracts.ts';
import { AppError, ERROR_CODES, type ErrorCode, outageOf } from './errors.ts';

/** What an outage's 503 asks clients to wait before trying again. */
const OUTAGE_RETRY_AFTER_SECONDS = 5;

import { takeFlash } from './flash.ts';
import { fragmentsPlugin } from './fragments.ts';
import { createJobRunner, type JobClock, type JobRunner } from './jobs.ts';
import { createLoggerOptions } from './logger.ts';
import { oauthClientPlugin } from './oauth.ts';
import { pageCachePlugin } from './page-cache.ts';
import { computeSecurityHeaders } from './security-headers.ts';
import { sessionsPlugin } from './sessions.ts';
import { createTemplateEngine, SHARED_STATIC_DIR } from './templates.ts';

export type ViewContextProvider = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** One registered route: its method, URL pattern, contract (zod schemas) and config. */
export interface RouteEntry {
  method: string;
  url: string;
  schema: { params?: unknown; querystring?: unknown; body?: unknown; headers?: unknown; response?: unknown };
  config: FastifyContextConfig;
}

/** What every app is built from. Tests and the dev runner pass their own. */
export interface AppDeps {
  config: AppConfig;
  db: DatabaseHandle;
  cache: Cache;
  /** A parent logger (the dev runner shares one); otherwise one is created from config. */
  logger?: FastifyBaseLogger;
  /** Replaces the default service registry (tests: `withOverrides(...)`). */
  services?: ServiceRegistry;
  /** The job runner's clock (tests share pg-boss's TestClock between app instances). */
  jobClock?: JobClock;
}

export interface CreateAppOptions {
  /** The app's templates folder (same-named files override shared/templates). */
  templatesDir?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    appName: AppName;
    /**
     * Every route of the app as registered (method, URL, contract, config), recorded by an
     * onRoute hook added before any plugin: what the route fuzz test walks, and a map for
     * operators (`app.routeTable`).
     */
    routeTable: RouteEntry[];
    config: AppConfig;
    db: DatabaseHandle;
    cache: Cache;
    templates: nunjucks.Environment;
    /** This app's job runner: register handlers for the jobs it owns, send any job. */
    jobs: JobRunner;
    /**
     * The security headers every response carries (CSP, frame-ancestors, nosniff,
     * Referrer-Policy, HSTS in production), for code that writes raw responses (the OIDC
     * provider mounted with middie).
     */
    securityHeaders: Readonly<Record<string, string>>;
    /**
     * Adds values to every page's template context (the signed-in user, header fragments, ...).
     * Providers run in parallel before each render; a failing provider fails the render.
     */
    addViewContext(provider: ViewContextProvider): void;
  }
  interface FastifyReply {
    /** Renders a nunjucks template with the request's base context and sends it as HTML. */
    view(template: string, context?: Record<string, unknown>): Promise<FastifyReply>;
  }
  interface FastifyRequest {
    /** True when the client wants JSON rather than an HTML page (APIs, fetch calls). */
    wantsJson: boolean;
    /** The client's address: request.ip when it is a valid IP, else the connecting peer. */
    clientIp: string;
  }
}

/**
 * Builds one app: Fastify 5 with pino and request ids, proxy trust, cookies, forms, security
 * headers, /static, nunjucks, CSRF, one error handler, a 404 page, /healthz and /readyz.
 * The result does not listen; `main.ts` (or a test, or the dev runner) decides that.
 */
export async function createApp(
  name: AppName,
  deps: AppDeps,
  options: CreateAppOptions = {},
): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(deps.logger
      ? { loggerInstance: deps.logger.child({ app: name }) }
      : { logger: { ...createLoggerOptions(config), base: { app: name } } }),
    // Only the configured proxies' X-Forwarded-For is believed (none in development): anyone
    // can send the header, and sign-in limits count per client address.
    trustProxy: config.trustedProxies.length ? config.trustedProxies : false,
    bodyLimit: 2 * 1024 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 500 },
    // On close: idle keep-alive sockets are closed at once, in-flight requests finish (within
    // close-with-grace's delay) — never reset — and new requests meanwhile get a 503.
    forceCloseConnections: 'idle',
  });

  // Route contracts: zod schemas validate params, query and body, and serialize JSON responses.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('preValidation', refuseNulBytes);

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routeTable.push({ method, url: route.url, schema: route.schema ?? {}, config: route.config ?? {} });
    }
  });
  app.decorate('appName', name);
  app.decorate('config', config);
  app.decorate('db', deps.db);
  app.decorate('cache', deps.cache);
  app.decorate(
    'templates',
    createTemplateEngine({ config, appName: name, appTemplatesDir: options.templatesDir }),
  );
  app.decorate(
    'jobs',
    createJobRunner({
      app: name,
      config,
      db: deps.db,
      logger: app.log,
      ...(deps.jobClock ? { clock: deps.jobClock } : {}),
    }),
  );
  // Started once every plugin has registered its handlers; stopped before the pools close.
  app.addHook('onReady', async () => app.jobs.start());
  app.addHook('onClose', async () => app.jobs.stop());
  app.decorateRequest('wantsJson', false);
  app.decorateRequest('clientIp', '');
  app.decorateRequest('user', null);

  const securityHeaders = computeSecurityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:', ...devOrigins(config)],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        formAction: ["'self'", ...Object.values(config.apps).map((a) => a.publicUrl)],
        frameAncestors: ["'self'"],
        upgradeInsecureRequests: config.isProduction ? [] : null,
      },
    },
    // Cross-app images and the fediverse fetch our media; same-origin would block them.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // Forms post across our apps (add to basket, book a ticket) and the receiver checks Origin:
    // under "no-referrer" browsers send `Origin: null` for every POST. Other sites see only our
    // origin; pages with secrets in the URL (order links) send no-referrer themselves.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    hsts: config.isProduction,
  });

  app.decorate('securityHeaders', securityHeaders);
  app.addHook('onRequest', (request, reply, done) => {
    request.wantsJson = wantsJson(request);
    // A forwarded address that is not one (a trusted proxy passing junk) never reaches a limit
    // key or an inet column: the connecting peer stands in.
    request.clientIp = isIP(request.ip) ? request.ip : (request.socket.remoteAddress ?? '0.0.0.0');
    reply.header('x-request-id', request.id);
    reply.headers(securityHeaders);
    done();
  });

  await app.register(fastifyCookie, { secret: config.secrets.cookieKeys });
  await app.register(fastifyFormbody);
  // Rate limits: counters in Redis (every replica shares them), in process without one. A
  // cache outage lets requests through rather than failing them (skipOnError).
  await app.register(fastifyRateLimit, {
    global: false,
    skipOnError: true,
    nameSpace: 'rl:',
    ...(deps.cache instanceof RedisCache ? { redis: deps.cache.client } : {}),
  });
  await app.register(fastifyStatic, {
    root: SHARED_STATIC_DIR,
    prefix: '/static/',
    maxAge: config.isProduction ? '7d' : 0,
    decorateReply: false,
  });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: `${name}_csrf`,
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: config.isProduction, signed: true },
    getToken: (req) =>
      ((req.body as Record<string, unknown> | undefined)?.['_csrf'] as string | undefined) ??
      (req.headers['x-csrf-token'] as string | undefined),
  });

  const viewContextProviders: ViewContextProvider[] = [];
  app.decorate('addViewContext', (provider: ViewContextProvider) => {
    viewContextProviders.push(provider);
  });
  // A message carried across a redirect (possibly from another app), shown once.
  app.addViewContext((request, reply) => {
    const flash = takeFlash(request, reply, config);
    return flash ? { flash } : {};
  });

  // One error handler and 404 for everything registered below, cross-cutting plugins included.
  app.setErrorHandler((error: FastifyError, request, reply) => handleError(app, error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    handleError(app, new AppError('HTTP_ROUTE_NOT_FOUND'), request, reply),
  );

  // Cross-cutting plugins of later layers register here, in this order:
  // [sso] sign-in, sessions and request.user
  await app.register(sessionsPlugin);
  if (name !== 'federation') await app.register(oauthClientPlugin);
  // [fragments] header fragments, /internal/fragments and the page cache
  app.decorate(
    'services',
    deps.services ?? defaultServices({ db: deps.db, cache: deps.cache, config, log: app.log }),
  );
  await app.register(pageCachePlugin);
  await app.register(fragmentsPlugin);
  // [activitypub] actor, WebFinger, NodeInfo and inboxes on every host
  await app.register(activityPubRoutes);

  app.decorateReply('view', async function view(this: FastifyReply, template: string, context = {}) {
    const request = this.request;
    // Most providers answer at once: a promise (and its turn of the event loop) only for those that do not.
    let provided: unknown[] = viewContextProviders.map((p) => p(request, this));
    if (provided.some((p) => p instanceof Promise)) provided = await Promise.all(provided);
    let csrfToken: string | undefined;
    const html = app.templates.render(template, {
      ...Object.assign({}, ...provided),
      ...context,
      request: { url: request.url, path: request.url.split('?')[0], id: request.id },
      current_url: `${config.apps[name].publicUrl}${request.url}`,
      // Lazily issue a CSRF token: only pages with forms set the cookie. One per page: each
      // generateCsrf() on a visitor without the cookie starts a new secret (and cookie), which
      // would leave every form but the last with a dead token.
      csrf_token: () => {
        csrfToken ??= this.generateCsrf();
        return csrfToken;
      },
    });
    return this.type('text/html; charset=utf-8').send(html);
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: { response: { 200: z.object({ status: z.literal('ok'), app: z.string() }) } },
    },
    async () => ({ status: 'ok' as const, app: name }),
  );
  const Readiness = z.object({
    status: z.enum(['ready', 'unavailable']),
    database: z.boolean(),
    cache: z.boolean(),
  });
  typed.get(
    '/readyz',
    { logLevel: 'warn', schema: { response: { 200: Readiness, 503: Readiness } } },
    async (_request, reply) => {
      const [database, cache] = await Promise.all([
        withTimeout(
          deps.db.query('SELECT 1').then(() => true),
          2_000,
        ).catch(() => false),
        withTimeout(deps.cache.ping(), 2_000).catch(() => false),
      ]);
      const ready = database && cache;
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? ('ready' as const) : ('unavailable' as const), database, cache });
    },
  );

  return app;
}

/** Decides HTML or JSON for responses that could be either (errors, 404s). */
export function wantsJson(request: FastifyRequest): boolean {
  const url = request.url;
  if (url.startsWith('/api/') || url.startsWith('/internal/')) return true;
  const accept = request.headers.accept ?? '';
  if (accept.includes('text/html')) return false;
  // Machine clients (webhooks, inboxes) that post JSON get JSON back.
  if (/json/.test(request.headers['content-type'] ?? '')) return true;
  return /\bjson\b|\+json/.test(accept);
}

async function handleError(
  app: FastifyInstance,
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const { code, status, message, details } = classify(error);
  if (status === 503 && outageOf(error)) {
    request.log.warn(
      { outage: outageOf(error), err: (error as Error).message },
      'answered 503: a backing service is away',
    );
  } else if (status >= 500) {
    request.log.error({ err: error, reqId: request.id }, 'request failed');
  } else if (status !== 404) {
    request.log.info({ code, status, reqId: request.id }, message);
  }
  reply.code(status);
  const retryAfter = details?.['retryAfter'];
  if (typeof retryAfter === 'number' || typeof retryAfter === 'string')
    reply.header('retry-after', String(retryAfter));
  if (request.wantsJson) {
    const { activity, ...shown } = details ?? {};
    // An ActivityPub client asking for a deleted object gets its Tombstone with the status.
    if (
      activity &&
      typeof activity === 'object' &&
      /activity\+json|ld\+json/.test(request.headers.accept ?? '')
    ) {
      return reply.type('application/activity+json; charset=utf-8').send(activity);
    }
    return reply.type('application/json; charset=utf-8').send({
      error: {
        code,
        message,
        requestId: request.id,
        ...(Object.keys(shown).length ? { details: shown } : {}),
      },
    });
  }
  try {
    // A form that broke its contract comes back with what was typed and what is wrong.
    const form = request.routeOptions?.config?.form;
    const violation = contractViolation(error);
    if (form && violation?.context === 'body' && status === 400) {
      const errors = Object.fromEntries(violation.fields.map((f) => [f.field, f.message]));
      return await reply.view(form.view, {
        ...(form.context ? await form.context(request) : {}),
        values: postedValues(request.body),
        errors,
        error: violation.fields.map((f) => `${f.field}: ${f.message}`).join('; '),
      });
    }
    return await reply.view(status === 404 ? '404.njk' : 'error.njk', {
      status,
      code,
      message,
      title: status === 404 ? 'Page not found' : ((details?.['heading'] as string | undefined) ?? message),
      heading: details?.['heading'],
      action: details?.['action'],
      fields: details?.['fields'],
      request_id: request.id,
    });
  } catch (renderError) {
    app.log.error({ err: renderError }, 'error page failed to render');
    return reply
      .type('text/html; charset=utf-8')
      .send(`<!doctype html><title>${status}</title><h1>${status}</h1><p>${escapeHtml(message)}</p>`);
  }
}

interface Classified {
  code: string;
  status: number;
  message: string;
  details?: Record<string, unknown> | undefined;
}

function classify(error: unknown): Classified {
  if (error instanceof AppError) {
    return { code: error.code, status: error.status, message: error.message, details: error.details };
  }
  // Redis or Postgres away: a deliberate 503 with Retry-After, whatever route it hit.
  if (outageOf(error)) return fromCode('SERVICE_UNAVAILABLE', { retryAfter: OUTAGE_RETRY_AFTER_SECONDS });
  if (isMalformedBody(error)) return fromCode('HTTP_REQUEST_INVALID');
  const violation = contractViolation(error);
  if (violation) {
    // A path that does not fit its contract names nothing that exists.
    if (violation.context === 'params') return fromCode('RESOURCE_NOT_FOUND');
    const [first, ...rest] = violation.fields;
    return {
      ...fromCode('HTTP_REQUEST_INVALID', { fields: violation.fields }),
      ...(first
        ? { message: `${first.field}: ${first.message}${rest.length ? ` (and ${rest.length} more)` : ''}` }
        : {}),
    };
  }
  const e = error as Partial<FastifyError> & { issues?: unknown };
  if (e && typeof e === 'object' && 'issues' in e && Array.isArray(e.issues) && e.name === 'ZodError') {
    return fromCode('HTTP_REQUEST_INVALID');
  }
  if (e?.validation) return fromCode('HTTP_REQUEST_INVALID');
  if (e?.code === 'FST_CSRF_INVALID_TOKEN' || e?.code === 'FST_CSRF_MISSING_SECRET') {
    return fromCode('AUTH_CSRF_INVALID');
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const byStatus: Record<number, ErrorCode> = {
      404: 'RESOURCE_NOT_FOUND',
      405: 'HTTP_METHOD_NOT_ALLOWED',
      413: 'HTTP_BODY_TOO_LARGE',
      415: 'HTTP_MEDIA_TYPE_UNSUPPORTED',
      429: 'HTTP_RATE_LIMITED',
    };
    const code = byStatus[status] ?? 'HTTP_REQUEST_INVALID';
    // Fastify's own 4xx errors (bad JSON, bad content type, a malformed multipart body) keep
    // their status; the message shown is ours, so nothing internal leaks.
    return fromCode(code);
  }
  return fromCode(status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR');
}

function fromCode(code: ErrorCode, details?: Record<string, unknown>): Classified {
  return { code, status: ERROR_CODES[code].status, message: ERROR_CODES[code].message, details };
}

function devOrigins(config: AppConfig): string[] {
  return config.isProduction ? [] : Object.values(config.apps).map((a) => a.publicUrl);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
