import { Redis, type RedisOptions } from 'ioredis';
import { LocalCopies, type LocalCopiesOptions } from './cache-copies.ts';

/**
 * The one cache interface: sessions, fragments, page cache and rate limits all use it.
 * Backed by Redis when `REDIS_URL` is set, by an in-process store otherwise (`pnpm dev`).
 * Keys are namespaced by `prefix` so test files (and environments) never see each other.
 */
export interface Cache {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /**
   * The values of `keys` when this process holds all of them (local copies, or the in-process
   * store) — no round trip, no promise; undefined when any must be read from Redis.
   */
  peekMany(keys: readonly string[]): (string | null)[] | undefined;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Sets only when absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  del(...keys: string[]): Promise<number>;
  /** Atomic increment; the TTL is applied when the key is created. */
  incr(key: string, ttlSeconds?: number): Promise<number>;
  /** Remaining TTL in seconds; -1 without expiry, -2 when absent. */
  ttl(key: string): Promise<number>;
  /** Set membership, used for tag → keys indexes (page cache purge, sessions by sid). */
  sadd(key: string, members: string[], ttlSeconds?: number): Promise<void>;
  srem(key: string, members: string[]): Promise<void>;
  smembers(key: string): Promise<string[]>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface CacheOptions {
  url?: string | undefined;
  prefix?: string;
  /** Keep local copies of the hot keys (see cache-copies.ts); Redis only. */
  localCopies?: LocalCopiesOptions;
}

/**
 * The keys every page view reads, copied locally by the apps (`LocalCopies`): page-cache
 * validators, fragments, sessions, the site chrome (the blog's footer) and the generation tokens
 * of what a process holds between changes (the blog's posts). Small values, read on every
 * request, written rarely.
 */
export const HOT_KEY_PREFIXES = ['pagev:', 'frag:', 'sess:', 'chrome:', 'gen:'] as const;

export function createCache(options: CacheOptions): Cache {
  return options.url
    ? new RedisCache(
        options.url,
        options.prefix ?? '',
        options.localCopies ? { localCopies: options.localCopies } : {},
      )
    : new MemoryCache(options.prefix ?? '');
}

/** A cache call refused because Redis is away (the circuit is open) or did not answer in time. */
export class CacheUnavailableError extends Error {
  constructor(reason: string) {
    super(`cache unavailable: ${reason}`);
    this.name = 'CacheUnavailableError';
  }
}

export interface RedisCacheOptions {
  /** How long one command may take before it counts as a failure (a frozen Redis). */
  commandTimeoutMs?: number;
  /** How often, while the circuit is open, a background PING checks whether Redis is back. */
  probeIntervalMs?: number;
  /** Serve reads of hot keys from local copies that Redis invalidates (cache-copies.ts). */
  localCopies?: LocalCopiesOptions;
}

/**
 * Redis behind a circuit breaker. Pages must never wait on a Redis that is away: commands are
 * not queued while disconnected (they fail at once), each has a short timeout, and the first
 * failure opens the circuit — every call then fails immediately, without touching the network,
 * while a background PING (every `probeIntervalMs`) closes it again as soon as Redis answers.
 * Callers degrade: pages render from the database, fragments fall back, sessions read as
 * unavailable (see sessions.ts), rate limits let requests through.
 */
export class RedisCache implements Cache {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  /** Local copies of hot keys, when enabled. */
  readonly localCopies: LocalCopies | null;
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;
  private readonly probeIntervalMs: number;
  private openSince: number | null = null;
  private probe: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(url: string, prefix: string, options: RedisCacheOptions = {}) {
    this.prefix = prefix;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 1_000;
    this.probeIntervalMs = options.probeIntervalMs ?? 250;
    const connection: RedisOptions = {
      // Nothing waits for a connection: a command while disconnected fails at once.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.commandTimeoutMs,
      connectTimeout: 1_000,
      // Reconnect quickly and keep trying: recovery within a second of Redis returning.
      retryStrategy: (times) => (this.closed ? null : Math.min(50 * times, 500)),
      lazyConnect: false,
    };
    this.client = new Redis(url, { ...connection, keyPrefix: prefix });
    this.localCopies = options.localCopies
      ? new LocalCopies(this.client, prefix, url, connection, options.localCopies)
      : null;
    // Errors surface on each command; an unhandled 'error' event would crash the process.
    this.client.on('error', () => {});
    this.client.on('close', () => {
      if (!this.closed) this.trip();
    });
  }

  /** True while calls are being refused (Redis away or too slow). */
  get isOpen(): boolean {
    return this.openSince !== null;
  }

  private trip() {
    this.localCopies?.forgetAll();
    if (this.openSince === null) this.openSince = Date.now();
    if (this.probe || this.closed) return;
    this.probe = setInterval(() => {
      if (this.client.status !== 'ready') return;
      this.client
        .ping()
        .then(() => this.reset())
        .catch(() => {});
    }, this.probeIntervalMs);
    this.probe.unref();
  }

  private reset() {
    this.openSince = null;
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }

  /** Resolves true once connected (false after `timeoutMs`): start-up waits here, briefly. */
  async ready(timeoutMs = 2_000): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.once('ready', onReady);
    });
  }

  /** Runs one Redis call through the breaker. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.openSince !== null) {
      throw new CacheUnavailableError('circuit open');
    }
    // Not connected yet (start-up) or reconnecting: wait at most one command timeout, once.
    if (this.client.status !== 'ready' && !(await this.ready(this.commandTimeoutMs))) {
      this.trip();
      throw new CacheUnavailableError(this.client.status);
    }
    try {
      return await fn();
    } catch (err) {
      // A timeout or a lost connection opens the circuit; a command error (wrong type) does not.
      const message = (err as Error).message ?? '';
      if (/timed out|Connection is closed|Stream isn't writeable|ECONN|EPIPE|ETIMEDOUT/i.test(message)) {
        this.trip();
        throw new CacheUnavailableError(message);
      }
      throw err;
    }
  }

  /** A write of `keys`: local copies of them are dropped around it. */
  private write<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const copies = this.localCopies;
    return this.call(copies ? () => copies.writing(keys, fn) : fn);
  }

  async get(key: string) {
    if (this.localCopies?.tracks(key)) return (await this.getMany([key]))[0] ?? null;
    return this.call(() => this.client.get(key));
  }
  peekMany(keys: readonly string[]) {
    const copies = this.localCopies;
    if (!copies?.active || this.openSince !== null) return undefined;
    const now = Date.now();
    const values: (string | null)[] = [];
    for (const key of keys) {
      const copy = copies.lookup(key, now);
      if (copy === undefined) return undefined;
      values.push(copy);
    }
    return values;
  }
  async getMany(keys: readonly string[]) {
    if (!keys.length) return [];
    const copies = this.localCopies;
    if (!copies?.active || this.openSince !== null) return this.call(() => this.client.mget(...keys));
    // Copies first; one MGET for the rest (none at all when every key has a copy).
    const now = Date.now();
    const values: (string | null)[] = new Array(keys.length);
    const missing: string[] = [];
    const at: number[] = [];
    keys.forEach((key, i) => {
      const copy = copies.lookup(key, now);
      if (copy === undefined) {
        missing.push(key);
        at.push(i);
      } else values[i] = copy;
    });
    if (!missing.length) return values;
    const token = copies.token();
    const fetched = await this.call(() => this.client.mget(...missing));
    copies.keep(token, missing, fetched, now);
    at.forEach((i, j) => {
      values[i] = fetched[j] ?? null;
    });
    return values;
  }
  async set(key: string, value: string, ttlSeconds?: number) {
    await this.write([key], () =>
      ttlSeconds && ttlSeconds > 0
        ? this.client.set(key, value, 'EX', ttlSeconds)
        : this.client.set(key, value),
    );
  }
  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    return (
      (await this.write([key], () => this.client.set(key, value, 'EX', Math.max(1, ttlSeconds), 'NX'))) ===
      'OK'
    );
  }
  async del(...keys: string[]) {
    return keys.length ? this.write(keys, () => this.client.del(...keys)) : 0;
  }
  async incr(key: string, ttlSeconds?: number) {
    return this.write([key], async () => {
      const [[, count]] = (await this.client.multi().incr(key).exec()) as [[Error | null, number]];
      if (count === 1 && ttlSeconds) await this.client.expire(key, ttlSeconds);
      return count;
    });
  }
  async ttl(key: string) {
    return this.call(() => this.client.ttl(key));
  }
  async sadd(key: string, members: string[], ttlSeconds?: number) {
    if (!members.length) return;
    await this.write([key], () => {
      const multi = this.client.multi().sadd(key, ...members);
      if (ttlSeconds) multi.expire(key, ttlSeconds);
      return multi.exec();
    });
  }
  async srem(key: string, members: string[]) {
    if (members.length) await this.write([key], () => this.client.srem(key, ...members));
  }
  async smembers(key: string) {
    return this.call(() => this.client.smembers(key));
  }
  async ping() {
    try {
      return (await this.call(() => this.client.ping())) === 'PONG';
    } catch {
      return false;
    }
  }
  /** Deletes every key under this cache's prefix (test isolation). */
  async clear() {
    this.localCopies?.forgetAll();
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      cursor = next;
      // SCAN returns full keys; DEL would prefix them again, so strip the prefix first.
      if (keys.length) await this.client.del(...keys.map((k) => k.slice(this.prefix.length)));
    } while (cursor !== '0');
    this.localCopies?.forgetAll();
  }
  async close() {
    this.closed = true;
    this.reset();
    await this.localCopies?.close();
    if (this.client.status === 'end') return;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

interface Entry {
  value: string | Set<string>;
  expiresAt: number | null;
}

/** In-process stand-in with Redis semantics for the operations above. */
export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  private readonly store = new Map<string, Entry>();

  private readonly prefix: string;

  constructor(prefix = '') {
    this.prefix = prefix;
  }

  private entry(key: string): Entry | undefined {
    const full = this.prefix + key;
    const e = this.store.get(full);
    if (e && e.expiresAt !== null && e.expiresAt <= Date.now()) {
      this.store.delete(full);
      return undefined;
    }
    return e;
  }
  private put(key: string, value: Entry['value'], ttlSeconds?: number) {
    this.store.set(this.prefix + key, {
      value,
      expiresAt: ttlSeconds && ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : null,
    });
  }

  async get(key: string) {
    return this.valueOf(key);
  }
  async getMany(keys: readonly string[]) {
    return this.peekMany(keys);
  }
  peekMany(keys: readonly string[]) {
    return keys.map((k) => this.valueOf(k));
  }
  private valueOf(key: string): string | null {
    const e = this.entry(key);
    return typeof e?.value === 'string' ? e.value : null;
  }
  async set(key: string, value: string, ttlSeconds?: number) {
    this.put(key, value, ttlSeconds);
  }
  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    if (this.entry(key)) return false;
    this.put(key, value, Math.max(1, ttlSeconds));
    return true;
  }
  async del(...keys: string[]) {
    let n = 0;
    for (const k of keys) if (this.entry(k) && this.store.delete(this.prefix + k)) n++;
    return n;
  }
  async incr(key: string, ttlSeconds?: number) {
    const e = this.entry(key);
    const next = (e && typeof e.value === 'string' ? Number(e.value) : 0) + 1;
    if (e) e.value = String(next);
    else this.put(key, String(next), ttlSeconds);
    return next;
  }
  async ttl(key: string) {
    const e = this.entry(key);
    if (!e) return -2;
    return e.expiresAt === null ? -1 : Math.ceil((e.expiresAt - Date.now()) / 1000);
  }
  async sadd(key: string, members: string[], ttlSeconds?: number) {
    const e = this.entry(key);
    const set = e && e.value instanceof Set ? e.value : new Set<string>();
    for (const m of members) set.add(m);
    if (e && e.value instanceof Set && !ttlSeconds) return;
    this.put(key, set, ttlSeconds ?? undefined);
  }
  async srem(key: string, members: string[]) {
    const e = this.entry(key);
    if (e && e.value instanceof Set) for (const m of members) e.value.delete(m);
  }
  async smembers(key: string) {
    const e = this.entry(key);
    return e && e.value instanceof Set ? [...e.value] : [];
  }
  async ping() {
    return true;
  }
  async clear() {
    for (const k of [...this.store.keys()]) if (k.startsWith(this.prefix)) this.store.delete(k);
  }
  async close() {}
}
