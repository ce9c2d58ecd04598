import { Redis, type RedisOptions } from 'ioredis';

/**
 * Local copies of hot, small cache values, kept correct by Redis itself (server-assisted
 * client-side caching, `CLIENT TRACKING … BCAST`): Redis tells this process about every change
 * to a key under the tracked prefixes — by any client, an expiry, an eviction or a flush — on a
 * second connection subscribed to `__redis__:invalidate`, and the copy is dropped. So a page
 * purge still reaches every replica at once (within the delivery of one message), while a
 * page-cache hit or a signed-in view no longer waits for a Redis round trip.
 *
 * Rules that keep a copy from ever outliving the value it copies:
 * - copies are kept only while tracking is on and both connections are up; any disconnect of
 *   either, or the breaker opening, drops them all (an invalidation may have been missed);
 * - a read that raced an invalidation (one arrived between sending it and its answer) is
 *   returned but not kept (`epoch`);
 * - this process's own writes drop the copy before they are sent and again when Redis answers,
 *   in every RedisCache of the process (no waiting for Redis's message);
 * - a copy is trusted for at most `maxAgeMs`, a bound for failures nobody sees (a silently
 *   dead subscription); keys that expire in Redis are reported by Redis as well;
 * - the copies are bounded in total size, oldest dropped first.
 */
export interface LocalCopiesOptions {
  /** Key prefixes (after the cache's own prefix) whose values may be copied. */
  prefixes: readonly string[];
  /** How long a copy is trusted at most. */
  maxAgeMs?: number;
  /** The most characters (keys and values) kept in all; the oldest copies go first. */
  maxChars?: number;
  /** Values longer than this are never copied. */
  maxValueChars?: number;
}

interface Copy {
  value: string | null;
  at: number;
}

const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** Every live set of copies in this process: a write through any cache drops the copy in all. */
const everyCopies = new Set<LocalCopies>();

export class LocalCopies {
  private readonly copies = new Map<string, Copy>();
  private chars = 0;
  /** Bumped by every invalidation: a read that saw it change is not kept. */
  private epoch = 0;
  private tracking = false;
  /** The subscriber connection's id, once it has subscribed (reset when it drops). */
  private subscribed: Promise<string> | null = null;
  private enabling = 0;
  private closed = false;
  private readonly main: Redis;
  private readonly keyPrefix: string;
  private readonly subscriber: Redis;
  /** Tracked prefixes, without the cache's prefix (as keys are looked up). */
  private readonly prefixes: readonly string[];
  private readonly maxAgeMs: number;
  private readonly maxChars: number;
  private readonly maxValueChars: number;

  constructor(
    main: Redis,
    keyPrefix: string,
    url: string,
    connection: RedisOptions,
    options: LocalCopiesOptions,
  ) {
    this.main = main;
    this.keyPrefix = keyPrefix;
    this.prefixes = [...options.prefixes];
    this.maxAgeMs = options.maxAgeMs ?? 1_000;
    this.maxChars = options.maxChars ?? 4_000_000;
    this.maxValueChars = options.maxValueChars ?? 64_000;
    // RESP2: invalidations then arrive as ordinary pub/sub messages (ioredis drops RESP3 pushes).
    this.subscriber = new Redis(url, { ...connection, protocol: 2, autoResubscribe: false, keyPrefix: '' });
    this.subscriber.on('error', () => {});
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
      if (channel.toString() !== INVALIDATE_CHANNEL) return;
      // null: the database was flushed; otherwise the keys that changed.
      if (Array.isArray(message)) for (const key of message) this.forgetFull(key.toString());
      else this.forgetAll();
    });
    this.subscriber.on('close', () => {
      this.subscribed = null;
      this.stop();
    });
    this.subscriber.on('ready', () => void this.start());
    this.main.on('close', () => this.stop());
    this.main.on('ready', () => void this.start());
    everyCopies.add(this);
  }

  /** True while copies are being kept and served. */
  get active(): boolean {
    return this.tracking;
  }

  /** Whether `key` (without the cache's prefix) is under a tracked prefix. */
  tracks(key: string): boolean {
    for (const p of this.prefixes) if (key.startsWith(p)) return true;
    return false;
  }

  /** The copy of `key` (without the cache's prefix): a value, null for "absent", undefined for none. */
  lookup(key: string, now: number): string | null | undefined {
    if (!this.tracking) return undefined;
    const copy = this.copies.get(key);
    if (!copy) return undefined;
    if (now - copy.at > this.maxAgeMs) {
      this.drop(key, copy);
      return undefined;
    }
    return copy.value;
  }

  /** Taken before a read; `keep` stores its answers only if nothing changed meanwhile. */
  token(): number {
    return this.tracking ? this.epoch : -1;
  }

  keep(token: number, keys: readonly string[], values: readonly (string | null)[], readAt: number) {
    if (token !== this.epoch || !this.tracking) return;
    keys.forEach((key, i) => {
      const value = values[i] ?? null;
      if (!this.tracks(key) || (value !== null && value.length > this.maxValueChars)) return;
      const old = this.copies.get(key);
      if (old) this.drop(key, old);
      this.copies.set(key, { value, at: readAt });
      this.chars += key.length + (value?.length ?? 0);
    });
    while (this.chars > this.maxChars) {
      const [oldest, copy] = this.copies.entries().next().value as [string, Copy];
      this.drop(oldest, copy);
    }
  }

  /**
   * Runs a write of `keys` (without the cache's prefix) from this process: their copies are
   * dropped everywhere before it is sent and again once Redis has answered it.
   */
  async writing<T>(keys: readonly string[], write: () => Promise<T>): Promise<T> {
    const full = keys.filter((k) => this.tracks(k)).map((k) => this.keyPrefix + k);
    if (!full.length) return write();
    const forgetEverywhere = () => {
      for (const copies of everyCopies) for (const key of full) copies.forgetFull(key);
    };
    forgetEverywhere();
    try {
      return await write();
    } finally {
      forgetEverywhere();
    }
  }

  /** Drops every copy (the breaker opened, a connection dropped, a flush). */
  forgetAll() {
    this.epoch++;
    this.copies.clear();
    this.chars = 0;
  }

  async close() {
    this.closed = true;
    everyCopies.delete(this);
    this.stop();
    if (this.subscriber.status === 'end') return;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  /** Redis (or another cache of this process) says `fullKey` changed. */
  private forgetFull(fullKey: string) {
    this.epoch++;
    if (!fullKey.startsWith(this.keyPrefix)) return;
    const key = fullKey.slice(this.keyPrefix.length);
    const copy = this.copies.get(key);
    if (copy) this.drop(key, copy);
  }

  private drop(key: string, copy: Copy) {
    this.copies.delete(key);
    this.chars -= key.length + (copy.value?.length ?? 0);
  }

  private stop() {
    this.tracking = false;
    this.enabling++;
    this.forgetAll();
  }

  /** Turns tracking on once both connections are ready (again after any reconnect of either). */
  private async start() {
    const attempt = ++this.enabling;
    if (this.closed || this.main.status !== 'ready' || this.subscriber.status !== 'ready') return;
    try {
      // CLIENT ID first: a connection in subscriber mode accepts only (un)subscribe commands.
      this.subscribed ??= (async () => {
        const id = String(await this.subscriber.client('ID'));
        await this.subscriber.subscribe(INVALIDATE_CHANNEL);
        return id;
      })();
      const id = await this.subscribed;
      const prefixes = this.prefixes.flatMap((p) => ['PREFIX', this.keyPrefix + p]);
      await this.main.client('TRACKING', 'OFF');
      await this.main.client('TRACKING', 'ON', 'REDIRECT', id, 'BCAST', ...prefixes);
      if (attempt !== this.enabling) return;
      this.forgetAll();
      this.tracking = true;
    } catch {
      // Redis without tracking (before 6), or a connection lost meanwhile: no copies, reads go
      // to Redis as before; the next 'ready' tries again.
    }
  }
}
