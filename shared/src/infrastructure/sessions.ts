import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { AppName } from '../config/index.ts';
import type { SessionUser } from './auth-types.ts';
import { type Cache, CacheUnavailableError } from './cache.ts';
import { AppError } from './errors.ts';

/** How long a session lives without a new sign-in. */
export const SESSION_TTL_SECONDS = 14 * 24 * 3600;

/** What one app remembers about one signed-in browser. */
export interface SessionData {
  /** Admin rights are recomputed from configuration on every request, not trusted from here. */
  user: Omit<SessionUser, 'isAdmin'>;
  /** The provider's subject (the user id as a string). */
  sub: string;
  /** The provider's session id for this client (back-channel logout names it), if any. */
  sid: string | null;
  /** Sent back to the provider as `id_token_hint` at logout. */
  idToken: string | null;
  createdAt: number;
  /** The browser's User-Agent at sign-in (the account's list of signed-in devices). */
  userAgent?: string | null;
  /** Last request seen on this session (ms), refreshed at most every few minutes. */
  lastSeenAt?: number;
}

export interface Session extends SessionData {
  id: string;
}

/**
 * Server-side sessions in the cache (Redis in production), one namespace per app, with
 * indexes by provider `sid` and by `sub` so a back-channel logout can find them.
 */
export class SessionStore {
  private readonly cache: Cache;
  private readonly appName: AppName;
  private readonly ttlSeconds: number;
  /**
   * The last record parsed for each session: a member's every view reads the same string (the
   * local copy of the key), so it is parsed once per change, not once per request.
   */
  private readonly parsed = new Map<string, { raw: string; data: SessionData }>();

  constructor(cache: Cache, appName: AppName, ttlSeconds = SESSION_TTL_SECONDS) {
    this.cache = cache;
    this.appName = appName;
    this.ttlSeconds = ttlSeconds;
  }

  private key(id: string) {
    return `sess:${this.appName}:${id}`;
  }
  private sidKey(sid: string) {
    return `sess-sid:${this.appName}:${sid}`;
  }
  private subKey(sub: string) {
    return `sess-sub:${this.appName}:${sub}`;
  }
  private deviceKey(device: string) {
    return `sess-device:${this.appName}:${device}`;
  }

  /** Stores a new session under a fresh random id and returns it. */
  async create(data: Omit<SessionData, 'createdAt'>): Promise<Session> {
    const id = randomBytes(32).toString('base64url');
    const record: SessionData = { ...data, createdAt: Date.now() };
    await this.cache.set(this.key(id), JSON.stringify(record), this.ttlSeconds);
    if (data.sid) await this.cache.sadd(this.sidKey(data.sid), [id], this.ttlSeconds);
    await this.cache.sadd(this.subKey(data.sub), [id], this.ttlSeconds);
    return { id, ...record };
  }

  async get(id: string): Promise<Session | null> {
    const raw = await this.cache.get(this.key(id));
    if (!raw) return null;
    const known = this.parsed.get(id);
    if (known?.raw === raw) return { id, ...known.data };
    let data: SessionData;
    try {
      data = JSON.parse(raw) as SessionData;
    } catch {
      return null;
    }
    if (this.parsed.size >= 2_000) this.parsed.clear();
    this.parsed.set(id, { raw, data });
    return { id, ...data };
  }

  async destroy(id: string): Promise<void> {
    const session = await this.get(id);
    await this.cache.del(this.key(id));
    if (session?.sid) await this.cache.srem(this.sidKey(session.sid), [id]);
    if (session) await this.cache.srem(this.subKey(session.sub), [id]);
  }

  /** Ends every session of one provider session; returns how many there were. */
  async destroyBySid(sid: string): Promise<number> {
    const ids = await this.cache.smembers(this.sidKey(sid));
    await Promise.all(ids.map((id) => this.destroy(id)));
    await this.cache.del(this.sidKey(sid));
    return ids.length;
  }

  /** Ends every session of one member in this app; returns how many there were. */
  async destroyBySub(sub: string): Promise<number> {
    const ids = await this.cache.smembers(this.subKey(sub));
    await Promise.all(ids.map((id) => this.destroy(id)));
    await this.cache.del(this.subKey(sub));
    return ids.length;
  }

  /** One member's live sessions in this app (ids of expired ones are dropped from the index). */
  async listBySub(sub: string): Promise<Session[]> {
    const ids = await this.cache.smembers(this.subKey(sub));
    const sessions = await Promise.all(ids.map((id) => this.get(id)));
    const gone = ids.filter((_, i) => !sessions[i]);
    if (gone.length) await this.cache.srem(this.subKey(sub), gone);
    return sessions.filter((s): s is Session => s !== null && s.sub === sub);
  }

  /**
   * Remembers that a session belongs to a browser known by another key (federation's own
   * sessions have no client `sid`; they are tied to the provider session of the same browser).
   */
  async linkDevice(device: string, id: string): Promise<void> {
    await this.cache.sadd(this.deviceKey(device), [id], this.ttlSeconds);
  }

  /** Ends the sessions linked to a browser with `linkDevice`; returns how many there were. */
  async destroyByDevice(device: string): Promise<number> {
    const ids = await this.cache.smembers(this.deviceKey(device));
    const live = await Promise.all(ids.map((id) => this.get(id)));
    await Promise.all(ids.map((id) => this.destroy(id)));
    await this.cache.del(this.deviceKey(device));
    return live.filter(Boolean).length;
  }

  /** The sessions linked to a browser with `linkDevice`. */
  async listByDevice(device: string): Promise<Session[]> {
    const ids = await this.cache.smembers(this.deviceKey(device));
    const sessions = await Promise.all(ids.map((id) => this.get(id)));
    return sessions.filter((s): s is Session => s !== null);
  }

  /**
   * Rewrites a session's record (e.g. the member's new name or e-mail, the last-seen time),
   * keeping its expiry. Nothing happens when it has ended meanwhile.
   */
  async update(id: string, change: (data: SessionData) => SessionData): Promise<boolean> {
    const current = await this.get(id);
    if (!current) return false;
    const ttl = await this.cache.ttl(this.key(id));
    if (ttl === -2) return false;
    const { id: _id, ...data } = current;
    await this.cache.set(this.key(id), JSON.stringify(change(data)), ttl > 0 ? ttl : this.ttlSeconds);
    return true;
  }
}

/** How often a session's `lastSeenAt` is rewritten: more often would be a write per request. */
export const LAST_SEEN_INTERVAL_MS = 5 * 60_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's server-side sessions. */
    sessions: SessionStore;
    /** The name of this app's session cookie (`<app>_session`: cookies ignore ports on localhost). */
    sessionCookieName: string;
  }
  interface FastifyRequest {
    /** The current session, or null when anonymous. */
    session: Session | null;
    /**
     * True when the browser carries a session cookie but the session store (Redis) could not
     * be read: the visitor is shown the public view with a notice; member-only routes answer 503.
     */
    sessionUnavailable: boolean;
  }
}

/**
 * Sessions for every app: reads the signed `<app>_session` cookie, loads the record, sets
 * `request.session` and `request.user`, and gives templates `user`.
 */
export const sessionsPlugin = fp(
  async (app: FastifyInstance) => {
    const store = new SessionStore(app.cache, app.appName);
    const cookieName = `${app.appName}_session`;
    app.decorate('sessions', store);
    app.decorate('sessionCookieName', cookieName);
    app.decorateRequest('session', null);
    app.decorateRequest('sessionUnavailable', false);

    const resolve = async (request: FastifyRequest, id: string) => {
      let session: Session | null;
      try {
        session = await store.get(id);
      } catch (err) {
        if (!(err instanceof CacheUnavailableError)) throw err;
        // Redis is away: never a wait, never a 500 — the public view, with a notice.
        request.sessionUnavailable = true;
        return;
      }
      if (!session) return;
      request.session = session;
      request.user = {
        ...session.user,
        isAdmin: app.config.admins.includes(session.user.email.toLowerCase()),
      };
      const now = Date.now();
      if (now - (session.lastSeenAt ?? session.createdAt) >= LAST_SEEN_INTERVAL_MS) {
        // Best effort: a missed update only makes "last seen" older on the account's page.
        await store
          .update(session.id, (data) => ({ ...data, lastSeenAt: now }))
          .catch((err: unknown) => request.log.debug({ err }, 'last-seen update skipped'));
      }
    };
    /** Cookies already checked (an HMAC each): a member sends the same one on every view. */
    const checked = new Map<string, ReturnType<FastifyRequest['unsignCookie']>>();
    const unsign = (request: FastifyRequest, raw: string) => {
      let unsigned = checked.get(raw);
      if (!unsigned) {
        unsigned = request.unsignCookie(raw);
        if (checked.size >= 2_000) checked.clear();
        checked.set(raw, unsigned);
      }
      return unsigned;
    };
    // A callback hook: without a session cookie (every anonymous view) it costs no promise.
    app.addHook('onRequest', (request, _reply, done) => {
      const raw = request.cookies[cookieName];
      if (!raw) return done();
      const unsigned = unsign(request, raw);
      if (!unsigned.valid || !unsigned.value) return done();
      resolve(request, unsigned.value).then(() => done(), done);
    });

    app.addViewContext((request) => ({
      user: request.user,
      session_unavailable: request.sessionUnavailable,
    }));
  },
  { name: 'rose-ash-sessions', fastify: '5.x' },
);

/** Starts a new session (a new id at every sign-in; the old one, if any, is ended). */
export async function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  data: Omit<SessionData, 'createdAt'>,
): Promise<Session> {
  const app = request.server;
  if (request.session) await app.sessions.destroy(request.session.id);
  const userAgent = request.headers['user-agent']?.slice(0, 300) ?? null;
  const session = await app.sessions.create({ userAgent, ...data });
  reply.setCookie(app.sessionCookieName, session.id, sessionCookieOptions(app));
  request.session = session;
  request.user = { ...session.user, isAdmin: app.config.admins.includes(session.user.email.toLowerCase()) };
  return session;
}

/** Ends the current session, if any, and clears the cookie. */
export async function endSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null> {
  const app = request.server;
  const ended = request.session;
  if (ended) await app.sessions.destroy(ended.id);
  reply.clearCookie(app.sessionCookieName, { path: '/' });
  request.session = null;
  request.user = null;
  return ended;
}

function sessionCookieOptions(app: FastifyInstance) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: app.config.isProduction,
    signed: true,
    maxAge: SESSION_TTL_SECONDS,
  };
}

/** Where an anonymous browser goes to sign in on this app, coming back to `returnTo`. */
export function loginUrl(returnTo: string): string {
  return `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
}

/**
 * preHandler: a signed-in member is required. Anonymous pages redirect to sign-in (and come
 * back); JSON callers get 401.
 */
export const requireUser: preHandlerAsyncHookHandler = async (request, reply) => {
  if (request.user) return;
  if (request.sessionUnavailable) {
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'Signed-in pages are unavailable for a moment; please try again shortly',
      {
        retryAfter: 5,
      },
    );
  }
  if (request.wantsJson || request.method !== 'GET') throw new AppError('AUTH_SESSION_REQUIRED');
  return reply.redirect(loginUrl(request.url), 302);
};

/** preHandler: an admin (an e-mail listed in configuration) is required; members get 403. */
export const requireAdmin: preHandlerAsyncHookHandler = async function (request, reply) {
  if (!request.user) return requireUser.call(this, request, reply);
  if (!request.user.isAdmin) throw new AppError('AUTH_ADMIN_REQUIRED');
};
