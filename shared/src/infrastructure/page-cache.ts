/**
 * Page cache for anonymous GETs of reader pages (blog, market, events). A route opts in with
 * `config: { pageCache: { tags } }`. Signed-in requests (or any carrying a session cookie) are
 * never served from it nor stored. The cached body keeps the header-slot placeholders, which are
 * filled per request with that visitor's fragments, so a member's name or a cart never ends up
 * in a shared copy. Content changes purge by tag (`purgePageCache`). Responses carry an ETag
 * (body validator + this visitor's fragments; a matching If-None-Match gets 304) and
 * Cache-Control; `x-cache` says hit, miss or bypass.
 */
import { hash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Cache } from './cache.ts';
import { FLASH_COOKIE } from './flash.ts';
import {
  deferFragmentSlots,
  fragmentRequestKey,
  headerFragmentRequests,
  joinSlots,
  type SlottedPage,
  splitSlots,
} from './fragments.ts';
import { tagKey } from './page-tags.ts';

type OnSendDone = (err: Error | null, payload?: unknown) => void;

export interface PageCacheRouteOptions {
  /** Tags to purge this page by; a function when they depend on the request (a post's slug). */
  tags: readonly string[] | ((request: FastifyRequest) => readonly string[]);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Opts a GET route into the anonymous page cache. */
    pageCache?: PageCacheRouteOptions;
  }
}

/** Response header telling tests (and operators) what the page cache did: hit, miss or bypass. */
export const PAGE_CACHE_HEADER = 'x-cache';

export { purgePageCache } from './page-tags.ts';

/**
 * Adds tags to the page this request is rendering (what it learnt while rendering, e.g. the
 * fragments it embedded in its body), on top of its route's tags. No-op for uncached requests.
 */
export function tagPage(request: FastifyRequest, tags: readonly string[]): void {
  const s = state.get(request);
  if (s?.key) s.extraTags = [...(s.extraTags ?? []), ...tags];
}

/**
 * Signed in, carrying what looks like a session cookie (the SSO layer may not have resolved it
 * yet), or a one-time flash message that this page will show.
 */
function isPersonal(request: FastifyRequest): boolean {
  if (request.user) return true;
  return Object.keys(request.cookies ?? {}).some(
    (name) => /session|sid/i.test(name) || name === FLASH_COOKIE,
  );
}

interface PageCacheState {
  /** The page's cache key; null when the request bypasses the cache. */
  key: string | null;
  /** The header fragments, read in the same round trip as the page. */
  fragments: readonly (string | null)[] | undefined;
  /** Tags the handler added (`tagPage`). */
  extraTags?: readonly string[];
}

const state = new WeakMap<FastifyRequest, PageCacheState>();

/** How many bodies one process keeps; each is trusted only while the shared validator matches. */
const LOCAL_ENTRIES = 500;

interface LocalEntry extends SlottedPage {
  validator: string;
  /**
   * The last copy served, with the fragments it was filled with: most visitors see the same
   * header (no cart, signed out), so the next one with equal fragments gets the same bytes and
   * ETag without hashing and joining again.
   */
  last?: { fragments: readonly string[]; etag: string; body: Buffer };
}

/** Registered by the factory on every app; inert for routes without `config.pageCache`. */
export const pageCachePlugin = fp(
  async (app) => {
    const ttl = app.config.pageCache.ttlSeconds;
    // A hit reads only the small validator and the header fragments from the shared cache (one
    // round trip) and reuses this process's pre-encoded copy of the body while the validator
    // still matches; a purge deletes the validator, so no replica serves a purged page.
    const local = new Map<string, LocalEntry>();
    const remember = (key: string, validator: string, body: string): LocalEntry => {
      const entry = { validator, ...splitSlots(body) };
      local.delete(key);
      local.set(key, entry);
      if (local.size > LOCAL_ENTRIES) local.delete(local.keys().next().value as string);
      return entry;
    };

    /** Fills the slots for this visitor, sets the validators, and answers 304 when they match. */
    const respond = async (
      request: FastifyRequest,
      reply: FastifyReply,
      page: LocalEntry,
      prefetched: readonly (string | null)[] | undefined,
    ): Promise<Buffer | string> => respondWith(reply, page, await app.headerFragments(request, prefetched));

    const respondWith = (reply: FastifyReply, page: LocalEntry, fragments: string[]): Buffer | string => {
      const request = reply.request;
      const last = page.last;
      const same =
        last?.fragments.length === fragments.length && last.fragments.every((f, i) => f === fragments[i]);
      const etag = same ? last.etag : `W/"${page.validator}.${digest(fragments.join('\u0000'))}"`;
      reply.header('etag', etag);
      // The header holds this visitor's cart slot: shared caches may not keep it; browsers revalidate.
      reply.header(
        'cache-control',
        request.cartKey ? 'private, no-cache' : 'public, max-age=0, must-revalidate',
      );
      reply.header('vary', 'Cookie');
      const inm = request.headers['if-none-match'];
      if (typeof inm === 'string' && inm.split(',').some((t) => t.trim() === etag)) {
        reply.code(304);
        return '';
      }
      if (same) return last.body;
      const body = joinSlots(page, fragments);
      page.last = { fragments, etag, body };
      return body;
    };

    /**
     * A hit answered without waiting: the validator and every header fragment are held by this
     * process (local copies that Redis invalidates) and so is the body. Undefined otherwise.
     */
    const hitNow = (request: FastifyRequest, reply: FastifyReply, key: string, keys: readonly string[]) => {
      const values = app.cache.peekMany(keys);
      const page = values && localPage(key, values[0] ?? null);
      const fragments = page && app.headerFragmentsCached(request, values.slice(1));
      return fragments ? serveHit(reply, page, fragments) : undefined;
    };

    /** This process's copy of the page at `key`, if it is the one `validator` names. */
    const localPage = (key: string, validator: string | null): LocalEntry | undefined => {
      const mine = validator === null ? undefined : local.get(key);
      return mine?.validator === validator ? mine : undefined;
    };

    const serveHit = (reply: FastifyReply, page: LocalEntry, fragments: string[]) => {
      reply.header(PAGE_CACHE_HEADER, 'hit').type('text/html; charset=utf-8');
      return respondWith(reply, page, fragments);
    };

    /** The answer to send for a hit, or null (a miss: the route renders the page). */
    const lookup = async (
      request: FastifyRequest,
      reply: FastifyReply,
      key: string,
      keys: readonly string[],
    ): Promise<Buffer | string | null> => {
      const fragmentCount = keys.length - 1;
      const [validator = null, ...fragments] = await app.cache.getMany(keys).catch(() => [null]);
      const prefetched = fragments.length === fragmentCount ? fragments : undefined;
      let page = localPage(key, validator);
      if (!page && validator !== null) {
        // Another replica rendered it: this process takes the body once.
        const stored = await app.cache.get(key).catch(() => null);
        const split = stored?.indexOf('\n') ?? -1;
        if (stored && split > 0 && stored.slice(0, split) === validator) {
          page = remember(key, validator, stored.slice(split + 1));
        }
      }
      if (!page) {
        reply.header(PAGE_CACHE_HEADER, 'miss');
        state.set(request, { key, fragments: prefetched });
        return null;
      }
      return serveHit(reply, page, await app.headerFragments(request, prefetched));
    };

    // preHandler, not onRequest: the SSO layer resolves request.user in its own earlier hooks.
    // A callback hook: a hit is sent from here and `done` is never called, so the route handler
    // does not run (no promise to adopt, no waiting for the response to finish).
    const preHandler = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return done();
      if (isPersonal(request)) {
        reply.header(PAGE_CACHE_HEADER, 'bypass').header('cache-control', 'private, no-store');
        return done();
      }
      // This route's own onSend fills the header slots, after storing the page without them.
      deferFragmentSlots(request);
      const key = pageKey(app.appName, request);
      const keys = [validatorKey(key), ...headerFragmentRequests(request).map(fragmentRequestKey)];
      const now = hitNow(request, reply, key, keys);
      if (now !== undefined) return void reply.send(now);
      lookup(request, reply, key, keys).then((hit) => {
        if (hit === null) done();
        else reply.send(hit);
      }, done);
    };

    /** Stores a rendered page under `key`, then fills its slots for this visitor. */
    const storeRendered = async (
      tags: PageCacheRouteOptions['tags'],
      request: FastifyRequest,
      reply: FastifyReply,
      payload: string,
      key: string,
      s: PageCacheState,
    ) => {
      if (reply.statusCode !== 200) return (await app.fillFragmentSlots(request, payload, s.fragments)).html;
      const validator = digest(payload);
      // Only clean, shareable pages are stored: never error pages or ones setting a cookie.
      const shareable = !reply.hasHeader('set-cookie');
      const page = shareable ? remember(key, validator, payload) : { validator, ...splitSlots(payload) };
      if (shareable) {
        const tagList = [...(typeof tags === 'function' ? tags(request) : tags), ...(s.extraTags ?? [])];
        await store(app.cache, key, validator, payload, tagList, ttl).catch((err: unknown) =>
          request.log.warn({ err }, 'page cache write failed'),
        );
      }
      return respond(request, reply, page, s.fragments);
    };

    /** A callback hook: a hit's bytes and pages outside the cache pass through at once. */
    const onSend =
      (tags: PageCacheRouteOptions['tags']) =>
      (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: OnSendDone) => {
        const s = state.get(request);
        if (!s?.key || typeof payload !== 'string') return done(null, payload);
        storeRendered(tags, request, reply, payload, s.key, s).then(
          (body) => done(null, body),
          (err: Error) => done(err),
        );
      };

    // Hooks go on the opted-in routes only, so every other request pays nothing for the cache.
    app.addHook('onRoute', (route) => {
      const options = route.config?.pageCache;
      if (!options) return;
      route.preHandler = [...asArray(route.preHandler), preHandler];
      route.onSend = [...asArray(route.onSend), onSend(options.tags)];
    });
  },
  { name: 'rose-ash-page-cache', fastify: '5.x' },
);

/**
 * The cache key of a page: its path and the query parameters its route declares (after the
 * route's contract parsed them), in a canonical order. Anything else in the query string
 * (`?utm_source=…`, cache busters) neither makes a new copy nor a new key.
 */
function pageKey(appName: string, request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '/';
  if (!request.routeOptions.schema?.querystring) return `page:${appName}:${path}`;
  const query = (request.query ?? {}) as Record<string, unknown>;
  const declared = Object.keys(query)
    .filter((k) => query[k] !== undefined)
    .sort()
    .map((k) => [k, String(query[k])]);
  return `page:${appName}:${path}${declared.length ? `?${new URLSearchParams(declared).toString()}` : ''}`;
}

function validatorKey(pageKey: string): string {
  return `pagev:${pageKey}`;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The body (prefixed by its validator) and the validator alone, both indexed under every tag. */
async function store(
  cache: Cache,
  key: string,
  validator: string,
  body: string,
  tags: readonly string[],
  ttl: number,
) {
  await cache.set(key, `${validator}\n${body}`, ttl);
  await cache.set(validatorKey(key), validator, ttl);
  // Tag sets outlive their pages a little; purging a key that already expired is harmless.
  await Promise.all(tags.map((tag) => cache.sadd(tagKey(tag), [key, validatorKey(key)], ttl * 2)));
}

function digest(text: string): string {
  return hash('sha1', text, 'base64url').slice(0, 16);
}
