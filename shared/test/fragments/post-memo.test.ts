import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  type Cache,
  CacheUnavailableError,
  HOT_KEY_PREFIXES,
  RedisCache,
} from '../../src/infrastructure/cache.ts';
import { createPostMemo, POSTS_GENERATION_KEY, postsChanged } from '../../src/services/blog/post-memo.ts';

/**
 * The blog's post memo (post-memo.ts) against a real Redis: two caches on one prefix stand for
 * two processes (two replicas, or the app and `sync:ghost`), each with its local copies.
 */
const services = inject('roseAshTest');
const prefix = `ra_memo_test:${Math.random().toString(36).slice(2)}:`;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function processCache(): RedisCache {
  const cache = new RedisCache(services.redisUrl!, prefix, {
    commandTimeoutMs: 5_000,
    localCopies: { prefixes: HOT_KEY_PREFIXES },
  });
  cleanups.push(() => cache.close());
  return cache;
}

type Row = { slug: string; title: string; html: string };

/** A stand-in for the database: counts reads, answers what `rows` holds now. */
function table(rows: Map<string, Row>) {
  const reads: string[] = [];
  return {
    reads,
    load: (slug: string) => async () => {
      reads.push(slug);
      const row = rows.get(slug);
      return row ? { ...row } : null;
    },
  };
}

const asViewer = (kind: number) => (row: Row) => Object.freeze({ ...row, kind });

async function until(check: () => Promise<boolean>, what: string, ms = 2_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!services.redisUrl)('post memo', () => {
  it('holds a post until any process says posts changed, then reads it again', async () => {
    const blog = processCache();
    const elsewhere = processCache(); // another replica, or the `sync:ghost` command
    const rows = new Map([['pesto', { slug: 'pesto', title: 'Pesto', html: '<p>x</p>' }]]);
    const db = table(rows);
    const memo = createPostMemo<Row, Readonly<Row & { kind: number }>>(blog, (r) => r.html.length);
    const first = await memo.get('pesto', 0, db.load('pesto'), asViewer(0));
    const second = await memo.get('pesto', 0, db.load('pesto'), asViewer(0));
    expect(first?.title).toBe('Pesto');
    expect(second).toBe(first); // the same frozen view: no read, no rebuild
    expect(db.reads).toEqual(['pesto']);

    rows.set('pesto', { slug: 'pesto', title: 'Pesto, edited', html: '<p>y</p>' });
    await postsChanged(elsewhere);
    // Redis's invalidation reaches this process's copy of the token (sub-millisecond here).
    await until(
      async () => (await memo.get('pesto', 0, db.load('pesto'), asViewer(0)))?.title === 'Pesto, edited',
      'the change',
    );
    expect(db.reads.length).toBe(2);
    await memo.get('pesto', 0, db.load('pesto'), asViewer(0));
    expect(db.reads.length).toBe(2);
  });

  it('builds each kind of viewer once, and never holds a missing post', async () => {
    const rows = new Map<string, Row>();
    const db = table(rows);
    const memo = createPostMemo<Row, Readonly<Row & { kind: number }>>(processCache(), (r) => r.html.length);
    expect(await memo.get('later', 0, db.load('later'), asViewer(0))).toBeNull();
    rows.set('later', { slug: 'later', title: 'Later', html: '' });
    const anonymous = await memo.get('later', 0, db.load('later'), asViewer(0));
    const member = await memo.get('later', 1, db.load('later'), asViewer(1));
    expect(anonymous?.kind).toBe(0);
    expect(member?.kind).toBe(1);
    expect(await memo.get('later', 1, db.load('later'), asViewer(1))).toBe(member);
    expect(db.reads).toEqual(['later', 'later']);
  });

  it('uses one read for at most maxAgeMs, even with no change announced', async () => {
    const rows = new Map([['aged', { slug: 'aged', title: 'Aged', html: '' }]]);
    const db = table(rows);
    const memo = createPostMemo<Row, Readonly<Row & { kind: number }>>(processCache(), () => 1, {
      maxAgeMs: 50,
    });
    await memo.get('aged', 0, db.load('aged'), asViewer(0));
    await memo.get('aged', 0, db.load('aged'), asViewer(0));
    expect(db.reads).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 60));
    await memo.get('aged', 0, db.load('aged'), asViewer(0));
    expect(db.reads).toHaveLength(2);
  });

  it('holds at most maxChars, dropping the oldest first', async () => {
    const rows = new Map(
      ['a', 'b', 'c', 'huge'].map((slug) => [
        slug,
        { slug, title: slug, html: 'x'.repeat(slug === 'huge' ? 500 : 40) },
      ]),
    );
    const db = table(rows);
    const memo = createPostMemo<Row, Readonly<Row & { kind: number }>>(processCache(), (r) => r.html.length, {
      maxChars: 100,
    });
    for (const slug of ['a', 'b', 'c']) await memo.get(slug, 0, db.load(slug), asViewer(0));
    db.reads.length = 0;
    await memo.get('c', 0, db.load('c'), asViewer(0));
    await memo.get('b', 0, db.load('b'), asViewer(0));
    await memo.get('a', 0, db.load('a'), asViewer(0)); // dropped when c came in
    expect(db.reads).toEqual(['a']);
    db.reads.length = 0;
    await memo.get('huge', 0, db.load('huge'), asViewer(0));
    await memo.get('huge', 0, db.load('huge'), asViewer(0)); // larger than the bound: never held
    expect(db.reads).toEqual(['huge', 'huge']);
  });

  it('reads the database on every view while the token cannot be read (Redis away)', async () => {
    const away: Cache = Object.assign(Object.create(processCache()) as RedisCache, {
      peekMany: () => undefined,
      get: async () => {
        throw new CacheUnavailableError('circuit open');
      },
    });
    const rows = new Map([['p', { slug: 'p', title: 'P', html: '' }]]);
    const db = table(rows);
    const memo = createPostMemo<Row, Readonly<Row & { kind: number }>>(away, () => 1);
    await memo.get('p', 0, db.load('p'), asViewer(0));
    await memo.get('p', 0, db.load('p'), asViewer(0));
    expect(db.reads).toEqual(['p', 'p']);
  });

  it('keeps the token under a hot-key prefix, so a view reads it from the local copy', () => {
    expect(HOT_KEY_PREFIXES.some((p) => POSTS_GENERATION_KEY.startsWith(p))).toBe(true);
  });
});
