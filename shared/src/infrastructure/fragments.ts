/**
 * Fragment composition: apps serve HTML fragments at `GET /internal/fragments/<name>` (internal
 * token required) and compose each other's into their pages. The client fetches in parallel
 * with a per-fragment timeout, caches in the shared cache with per-fragment TTLs (personalised
 * ones keyed by member or cart), keeps a longer-lived stale copy to serve when the owner is
 * down or slow, and logs hits, misses and timeouts.
 */

import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import type { AppConfig } from '../config/index.ts';
import {
  CART_COOKIE,
  CART_KEY_PATTERN,
  FRAGMENTS,
  type FragmentName,
  type FragmentQuery,
  HEADER_FRAGMENTS,
  INTERNAL_HEADERS,
} from '../contracts/widgets.ts';
import type { SessionUser } from './auth-types.ts';
import { type Cache, CacheUnavailableError } from './cache.ts';
import type { ZodTypeProvider } from './contracts.ts';
import { AppError } from './errors.ts';
import { escapeHtml } from './html-text.ts';
import { purgePageCache } from './page-tags.ts';

/** How long the stale copy outlives the fresh one: long enough to ride out an app restart or outage. */
export const FRAGMENT_STALE_TTL_SECONDS = 24 * 60 * 60;

export type FragmentParams = Readonly<Record<string, string | number>>;

/** Whose copy of a personalised fragment. */
export interface FragmentSubject {
  user?: SessionUser | null;
  cartKey?: string | null;
}

export interface FragmentRequest extends FragmentSubject {
  name: FragmentName;
  params?: FragmentParams;
  /** This fragment's own budget; defaults to config.fragments.timeoutMs. */
  timeoutMs?: number;
}

/** Cache key of one copy of a fragment: params in canonical order, plus the member or cart when personalised. */
export function fragmentCacheKey(
  name: FragmentName,
  params: FragmentParams = {},
  subject: { userId?: number | null; cartKey?: string | null } = {},
): string {
  const query = canonicalQuery(params);
  const by = FRAGMENTS[name].personalisedBy;
  let who = 'all';
  if (by !== 'none') {
    if (subject.userId) who = `u${subject.userId}`;
    // Cart keys are bearer secrets; keep only a digest of them in key names.
    else if (by === 'user-or-cart' && subject.cartKey) who = `c${cartDigest(subject.cartKey)}`;
    else who = 'anon';
  }
  return `frag:${name}:${query}:${who}`;
}

/** Cache key of the copy `request` asks for. */
export function fragmentRequestKey(request: FragmentRequest): string {
  return fragmentCacheKey(request.name, request.params, {
    userId: request.user?.id ?? null,
    cartKey: request.cartKey ?? null,
  });
}

/** The header slots a page view needs, for whoever is asking. */
export function headerFragmentRequests(request: FastifyRequest): FragmentRequest[] {
  return HEADER_FRAGMENTS.map((name) => ({ name, user: request.user, cartKey: request.cartKey }));
}

function staleKey(freshKey: string): string {
  return `stale:${freshKey}`;
}

/**
 * Drops every cached copy (fresh and stale) of one fragment for one subject, e.g. a cart's
 * `cart-mini` after an item was added. Dropping the stale copy too keeps an outage from
 * resurrecting the old content.
 */
export async function invalidateFragment(
  cache: Cache,
  name: FragmentName,
  options: { params?: FragmentParams; userId?: number | null; cartKey?: string | null } = {},
): Promise<void> {
  const key = fragmentCacheKey(name, options.params, options);
  try {
    await cache.del(key, staleKey(key));
  } catch (err) {
    // Best effort: with Redis away the copy expires by its TTL (the change itself is committed).
    if (!(err instanceof CacheUnavailableError)) throw err;
  }
  // Cached pages that carry this copy in their body (a post's comments, its product cards).
  if (FRAGMENTS[name].personalisedBy === 'none')
    await purgePageCache(cache, [fragmentPageTag(name, options.params ?? {})]);
}

/**
 * The page-cache tag of a page whose body embeds one copy of a shared (not personalised)
 * fragment: `invalidateFragment` purges those pages too, so they never outlive the fragment.
 */
export function fragmentPageTag(name: FragmentName, params: FragmentParams): string {
  return `fragment:${name}?${canonicalQuery(params)}`;
}

export interface FragmentClient {
  /** One fragment's HTML; '' when neither the owner nor a stale copy could provide it. */
  fetch(request: FragmentRequest): Promise<string>;
  /**
   * Several fragments in parallel (one cache round trip for the hits). `prefetched` are the
   * cached values of `fragmentRequestKey(request)`, when the caller already read them (the page
   * cache reads them in the same round trip as the page).
   */
  fetchMany(requests: readonly FragmentRequest[], prefetched?: readonly (string | null)[]): Promise<string[]>;
}

export interface FragmentClientDeps {
  config: AppConfig;
  cache: Cache;
  logger: FastifyBaseLogger;
  /** Injected in tests to count or fail calls; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
}

/** The fragment client every app uses (decorated as `app.fragments`). */
export function createFragmentClient(deps: FragmentClientDeps): FragmentClient {
  const { config, cache, logger } = deps;
  const doFetch = deps.fetch ?? globalThis.fetch;
  const timeoutMs = config.fragments.timeoutMs;

  async function fetchRemote(request: FragmentRequest, key: string): Promise<string> {
    const def = FRAGMENTS[request.name];
    const query = canonicalQuery(request.params ?? {});
    const url = `${config.apps[def.app].internalUrl}/internal/fragments/${request.name}${query ? `?${query}` : ''}`;
    const headers: Record<string, string> = {
      [INTERNAL_HEADERS.token]: config.secrets.internalToken,
      accept: 'text/html',
    };
    if (def.personalisedBy !== 'none' && request.user)
      headers[INTERNAL_HEADERS.user] = encodeUserHeader(request.user);
    if (def.personalisedBy === 'user-or-cart' && request.cartKey)
      headers[INTERNAL_HEADERS.cart] = request.cartKey;

    const stale = cache.get(staleKey(key)).catch(() => null);
    const started = performance.now();
    try {
      const response = await doFetch(url, {
        headers,
        signal: AbortSignal.timeout(request.timeoutMs ?? timeoutMs),
      });
      // 404 is an answer: the owner serves no such fragment (yet). Cached empty like any other
      // answer, so pages do not ask again on every view; anything else non-200 is a failure.
      if (response.status !== 200 && response.status !== 404) {
        await response.body?.cancel();
        throw new Error(`status ${response.status}`);
      }
      let html = '';
      if (response.status === 404) await response.body?.cancel();
      else html = await response.text();
      const ttl = config.fragments.ttl[request.name] ?? 30;
      await Promise.all([
        cache.set(key, html, ttl),
        cache.set(staleKey(key), html, Math.max(ttl, FRAGMENT_STALE_TTL_SECONDS)),
      ]).catch((err: unknown) => logger.warn({ err, fragment: request.name }, 'fragment cache write failed'));
      logger.debug(
        { fragment: request.name, ms: Math.round(performance.now() - started) },
        'fragment fetched',
      );
      return html;
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const fallback = await stale;
      logger.warn(
        {
          fragment: request.name,
          app: def.app,
          ms: Math.round(performance.now() - started),
          served: fallback === null ? 'empty' : 'stale',
          ...(timedOut ? {} : { err: err instanceof Error ? err.message : String(err) }),
        },
        timedOut ? 'fragment timeout' : 'fragment error',
      );
      return fallback ?? '';
    }
  }

  async function fetchMany(
    requests: readonly FragmentRequest[],
    prefetched?: readonly (string | null)[],
  ): Promise<string[]> {
    if (requests.length === 0) return [];
    const keys = requests.map(fragmentRequestKey);
    const cached =
      prefetched ??
      (await cache.getMany(keys).catch((err: unknown) => {
        logger.warn({ err }, 'fragment cache read failed');
        return keys.map(() => null);
      }));
    return Promise.all(
      requests.map((request, i) => {
        const hit = cached[i];
        if (hit !== null && hit !== undefined) {
          logger.debug({ fragment: request.name }, 'fragment cache hit');
          return hit;
        }
        logger.debug({ fragment: request.name }, 'fragment cache miss');
        return fetchRemote(request, keys[i] as string);
      }),
    );
  }

  return {
    async fetch(request) {
      const [html] = await fetchMany([request]);
      return html ?? '';
    },
    fetchMany,
  };
}

/** Encodes a member for the internal user header. */
export function encodeUserHeader(user: SessionUser): string {
  return Buffer.from(JSON.stringify(user)).toString('base64url');
}

const SessionUserHeader = z.object({
  id: z.number().int().positive(),
  email: z.string(),
  name: z.string().nullable(),
  username: z.string().nullable(),
  isAdmin: z.boolean(),
});

/** Decodes the internal user header; null when absent or malformed. */
export function decodeUserHeader(value: string | undefined): SessionUser | null {
  if (!value) return null;
  try {
    const parsed = SessionUserHeader.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Constant-time check of the internal token header. */
export function hasValidInternalToken(request: FastifyRequest, expected: string): boolean {
  const given = request.headers[INTERNAL_HEADERS.token];
  if (typeof given !== 'string') return false;
  // Hashing first gives equal lengths, so timingSafeEqual never leaks the token's length.
  return timingSafeEqual(
    createHash('sha256').update(given).digest(),
    createHash('sha256').update(expected).digest(),
  );
}

/** Renders one fragment for the (already authenticated) internal request, given its parsed query. */
export type FragmentHandler<N extends FragmentName = FragmentName> = (
  request: FastifyRequest,
  query: FragmentQuery<N>,
) => Promise<string>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The fragment client (cached, parallel, timeout-bounded). */
    fragments: FragmentClient;
    /** Serves `name` at `/internal/fragments/<name>` on this app. */
    registerFragment<N extends FragmentName>(name: N, handler: FragmentHandler<N>): void;
    /**
     * Fragments a page's body embeds, read from the cache in the same round trip as this
     * request's header fragments (which the page's slots then use): one cache read per view.
     */
    pageFragments(request: FastifyRequest, requests: readonly FragmentRequest[]): Promise<string[]>;
    /**
     * This request's header fragments in HEADER_FRAGMENTS order (fallbacks for empty ones);
     * marks the request as handled so the fallback onSend leaves its page alone.
     */
    headerFragments(request: FastifyRequest, prefetched?: readonly (string | null)[]): Promise<string[]>;
    /**
     * `headerFragments` without waiting, when `prefetched` holds a cached copy of every one;
     * undefined otherwise (some must be fetched from their app).
     */
    headerFragmentsCached(
      request: FastifyRequest,
      prefetched: readonly (string | null)[],
    ): string[] | undefined;
    /**
     * Replaces the header-slot placeholders of a rendered page with this request's fragments;
     * also returns the fragments, so a caller can derive a validator without rehashing the page.
     */
    fillFragmentSlots(
      request: FastifyRequest,
      html: string,
      prefetched?: readonly (string | null)[],
    ): Promise<{ html: string; fragments: string[] }>;
  }
  interface FastifyRequest {
    /** The anonymous cart key: from the cart cookie, or (internal requests) the trusted header. */
    cartKey: string | null;
    /**
     * The header slots are filled (or will be, by the page cache): the fallback onSend skips
     * this request. A request decoration rather than a WeakSet: it is read on every page.
     */
    fragmentSlotsFilled: boolean;
  }
}

/**
 * Tells the fragments plugin that another hook (the page cache, which must store the page
 * before the slots are filled) will call `fillFragmentSlots` for this request.
 */
export function deferFragmentSlots(request: FastifyRequest): void {
  request.fragmentSlotsFilled = true;
}

const SLOT_PREFIX = '<!--rose-ash-fragment:';
const slotMarker = (name: string) => `${SLOT_PREFIX}${name}-->`;
const SLOT_PATTERN = /<!--rose-ash-fragment:([a-z-]+)-->/g;

/**
 * A rendered page cut at its header slots: `parts` (one more than `slots`) as UTF-8 bytes,
 * so serving it again only encodes the small fragments, never the whole page.
 */
export interface SlottedPage {
  parts: Buffer[];
  /** Index into HEADER_FRAGMENTS of each slot, in page order. */
  slots: number[];
}

export function splitSlots(html: string): SlottedPage {
  const parts: Buffer[] = [];
  const slots: number[] = [];
  let last = 0;
  for (const match of html.matchAll(SLOT_PATTERN)) {
    const index = (HEADER_FRAGMENTS as readonly string[]).indexOf(match[1] as string);
    if (index < 0) continue;
    parts.push(Buffer.from(html.slice(last, match.index)));
    slots.push(index);
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(html.slice(last)));
  return { parts, slots };
}

/** The page's bytes with `fragments` (HEADER_FRAGMENTS order) in its slots. */
export function joinSlots(page: SlottedPage, fragments: readonly string[]): Buffer {
  const chunks: Buffer[] = [page.parts[0] as Buffer];
  page.slots.forEach((slot, i) => {
    chunks.push(Buffer.from(fragments[slot] ?? ''), page.parts[i + 1] as Buffer);
  });
  return Buffer.concat(chunks);
}

export interface FragmentsPluginOptions {
  /** Replaces the client (tests count or fail calls). */
  client?: FragmentClient;
}

/**
 * Registered by the factory on every app: `app.fragments`, `request.cartKey`, the
 * `/internal/fragments/:name` route (403 without the internal token), and the header
 * composition. Pages render placeholders for the personalised header slots; an onSend hook
 * fills them per request, so a cached page body never contains someone's cart or name.
 */
export const fragmentsPlugin = fp<FragmentsPluginOptions>(
  async (app, options) => {
    const client =
      options.client ?? createFragmentClient({ config: app.config, cache: app.cache, logger: app.log });
    app.decorate('fragments', client);
    if (!app.hasRequestDecorator('cartKey')) app.decorateRequest('cartKey', null);
    app.decorateRequest('fragmentSlotsFilled', false);

    app.addHook('onRequest', (request, _reply, done) => {
      const fromCookie = request.cookies[CART_COOKIE];
      request.cartKey = fromCookie && isCartKey(fromCookie) ? fromCookie : null;
      done();
    });

    const handlers = new Map<FragmentName, FragmentHandler>();
    app.decorate('registerFragment', <N extends FragmentName>(name: N, handler: FragmentHandler<N>) => {
      handlers.set(name, handler as unknown as FragmentHandler);
    });

    app.withTypeProvider<ZodTypeProvider>().get(
      '/internal/fragments/:name',
      {
        logLevel: 'warn',
        schema: {
          params: z.object({ name: z.enum(Object.keys(FRAGMENTS) as [FragmentName, ...FragmentName[]]) }),
          querystring: z.record(z.string(), z.string().max(200)),
        },
        onRequest: async (request, _reply) => {
          if (!hasValidInternalToken(request, app.config.secrets.internalToken)) {
            throw new AppError('INTERNAL_TOKEN_INVALID');
          }
          // Only now, with the token verified, are the member and cart headers believed.
          request.user = decodeUserHeader(headerValue(request, INTERNAL_HEADERS.user));
          const cart = headerValue(request, INTERNAL_HEADERS.cart);
          request.cartKey = cart && isCartKey(cart) ? cart : null;
        },
      },
      async (request, reply) => {
        const { name } = request.params;
        const handler = handlers.get(name);
        if (!handler) throw new AppError('RESOURCE_NOT_FOUND', `No fragment ${name} here`);
        const query = FRAGMENTS[name].query.safeParse(request.query);
        if (!query.success) {
          throw new AppError('HTTP_REQUEST_INVALID', `The ${name} fragment's query is not valid`, {
            fields: query.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
          });
        }
        const html = await handler(request, query.data);
        return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
      },
    );

    /** Header fragments already fetched with a page's own (`pageFragments`). */
    const fetchedWithPage = new WeakMap<FastifyRequest, string[]>();

    /** Header fragments written into a page as it was rendered (below), by request. */
    const inPlace = new WeakMap<FastifyRequest, Record<string, string>>();
    const slots = Object.freeze(Object.fromEntries(HEADER_FRAGMENTS.map((name) => [name, slotMarker(name)])));
    app.addViewContext((request) => {
      // A page no one stores (the page cache did not defer its slots: a member's view) whose
      // header fragments came with its own is rendered with them in place: no second pass over
      // the page to fill the slots. (Again so if the request renders once more, an error page.)
      const known = inPlace.get(request);
      if (known) return { fragments: known };
      const fetched = !request.fragmentSlotsFilled && fetchedWithPage.get(request);
      if (!fetched) return { fragments: slots };
      request.fragmentSlotsFilled = true;
      const fragments = bySlot(withFallbacks(request, fetched));
      inPlace.set(request, fragments);
      return { fragments };
    });
    app.decorate('pageFragments', async (request: FastifyRequest, requests: readonly FragmentRequest[]) => {
      const fetched = await client.fetchMany([...requests, ...headerFragmentRequests(request)]);
      fetchedWithPage.set(request, fetched.slice(requests.length));
      return fetched.slice(0, requests.length);
    });

    /** In HEADER_FRAGMENTS order, an empty one replaced by its fallback. */
    const withFallbacks = (request: FastifyRequest, fetched: readonly (string | null | undefined)[]) =>
      HEADER_FRAGMENTS.map((name, i) => fetched[i] || fallbackFor(name, request.user));
    const headerFragments = async (request: FastifyRequest, prefetched?: readonly (string | null)[]) => {
      request.fragmentSlotsFilled = true;
      const fetched =
        (!prefetched && fetchedWithPage.get(request)) ||
        (await client.fetchMany(headerFragmentRequests(request), prefetched));
      return withFallbacks(request, fetched);
    };
    app.decorate('headerFragments', headerFragments);
    app.decorate(
      'headerFragmentsCached',
      (request: FastifyRequest, prefetched: readonly (string | null)[]) => {
        if (prefetched.length !== HEADER_FRAGMENTS.length || prefetched.includes(null)) return undefined;
        request.fragmentSlotsFilled = true;
        return withFallbacks(request, prefetched);
      },
    );

    // One fetch of all header slots and one pass over the page: this runs on every page view.
    app.decorate(
      'fillFragmentSlots',
      async (request: FastifyRequest, html: string, prefetched?: readonly (string | null)[]) => {
        request.fragmentSlotsFilled = true;
        if (!html.includes(SLOT_PREFIX)) return { html, fragments: [] };
        const fragments = await headerFragments(request, prefetched);
        const byName = bySlot(fragments);
        return { html: html.replace(SLOT_PATTERN, (_m, name: string) => byName[name] ?? ''), fragments };
      },
    );

    // A callback hook: most payloads (a page-cache hit's bytes, JSON) pass through at once.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (typeof payload !== 'string' || request.fragmentSlotsFilled) return done(null, payload);
      if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return done(null, payload);
      app.fillFragmentSlots(request, payload).then(
        (filledPage) => done(null, filledPage.html),
        (err: Error) => done(err),
      );
    });
  },
  { name: 'rose-ash-fragments', fastify: '5.x' },
);

/** What an empty slot shows so the page still works when the owner app is down. */
function fallbackFor(name: FragmentName, user: SessionUser | null): string {
  if (name !== 'account-nav') return '';
  return user
    ? `<span class="account-name">${escapeHtml(user.name ?? user.email)}</span> <a class="button button-small button-secondary" href="/auth/logout">Sign out</a>`
    : '<a class="button button-small" href="/auth/login">Sign in</a>';
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The cart key's shape, checked on every request (a plain regex test: cheaper than a schema here). */
function isCartKey(value: string): boolean {
  return CART_KEY_PATTERN.test(value);
}

/** Header fragments (HEADER_FRAGMENTS order) by slot name. */
function bySlot(fragments: readonly string[]): Record<string, string> {
  return Object.fromEntries(HEADER_FRAGMENTS.map((name, i) => [name, fragments[i] ?? '']));
}

/** Per params object (they are read-only): a page asks for the same fragments on every view. */
const canonicalQueries = new WeakMap<FragmentParams, string>();

function canonicalQuery(params: FragmentParams): string {
  if (isEmpty(params)) return ''; // the header's fragments: often a new `{}` each time
  let query = canonicalQueries.get(params);
  if (query === undefined) {
    query = new URLSearchParams(
      Object.entries(params)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, String(v)]),
    ).toString();
    canonicalQueries.set(params, query);
  }
  return query;
}

function isEmpty(params: FragmentParams): boolean {
  for (const _ in params) return false;
  return true;
}

/** Digests of the carts seen lately: a visitor's cart key is hashed on each page view. */
const cartDigests = new Map<string, string>();

function cartDigest(cartKey: string): string {
  let digest = cartDigests.get(cartKey);
  if (digest === undefined) {
    digest = hash('sha256', cartKey, 'hex').slice(0, 32);
    if (cartDigests.size >= 1_000) cartDigests.clear();
    cartDigests.set(cartKey, digest);
  }
  return digest;
}
