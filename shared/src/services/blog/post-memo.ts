/**
 * Published posts held in this process between changes, so a post view (every signed-in view
 * bypasses the page cache) does not query the database each time.
 *
 * Kept correct by one generation token in Redis (`POSTS_GENERATION_KEY`, a hot key: this
 * process holds a copy that Redis invalidates, see cache-copies.ts). Every write path that
 * changes what a reader page shows of a post — the editor, Ghost sync and webhooks, scheduled
 * publishing, deletion, tags and authors, the menus' site-wide purge — calls `postsChanged`,
 * which sets a new token; a post read under another token is not used again, in any process.
 * The token is read before the database, so a read that raced a committed change carries the
 * old token. A change whose token is set before its transaction commits (publishing due posts,
 * a webhook applied inside its claim) can leave a row read in between: that copy lives at most
 * `maxAgeMs`. Without the token (Redis away or not answering) every view reads the database.
 */
import { randomUUID } from 'node:crypto';
import type { Cache } from '../../infrastructure/cache.ts';

/** Under a hot-key prefix (`HOT_KEY_PREFIXES`): read from the local copy on every view. */
export const POSTS_GENERATION_KEY = 'gen:blog:posts';

/** Something a reader page shows of a post changed: every process drops what it holds. */
export async function postsChanged(cache: Cache): Promise<void> {
  await cache.set(POSTS_GENERATION_KEY, randomUUID());
}

export interface PostMemoOptions {
  /** How long one database read is used at most, token or not (the pre-commit race above). */
  maxAgeMs?: number;
  /** Bound on what is held: the characters of the held posts' HTML and text, roughly. */
  maxChars?: number;
}

interface Entry<Row, View> {
  generation: string | null;
  readAt: number;
  row: Row;
  chars: number;
  /** The row as each kind of viewer reads it, built on first use. */
  views: Map<number, View>;
}

export interface PostMemo<Row, View> {
  /**
   * The post at `slug` as the viewer of kind `viewerKind` reads it: from this process's copy
   * when the token still matches, else `load` (a missing post is not held). `view` must depend
   * only on the row and the viewer kind.
   */
  get(
    slug: string,
    viewerKind: number,
    load: () => Promise<Row | null>,
    view: (row: Row) => View,
  ): Promise<View | null>;
}

export function createPostMemo<Row, View>(
  cache: Cache,
  size: (row: Row) => number,
  options: PostMemoOptions = {},
): PostMemo<Row, View> {
  const maxAgeMs = options.maxAgeMs ?? 5_000;
  const maxChars = options.maxChars ?? 2_000_000;
  const entries = new Map<string, Entry<Row, View>>();
  let held = 0;

  const forget = (slug: string) => {
    const entry = entries.get(slug);
    if (!entry) return;
    entries.delete(slug);
    held -= entry.chars;
  };
  const viewOf = (entry: Entry<Row, View>, viewerKind: number, view: (row: Row) => View) => {
    let built = entry.views.get(viewerKind);
    if (built === undefined) {
      built = view(entry.row);
      entry.views.set(viewerKind, built);
    }
    return built;
  };
  /** The current token; undefined when it cannot be known (Redis away). */
  const generation = async (): Promise<string | null | undefined> => {
    const local = cache.peekMany([POSTS_GENERATION_KEY]);
    if (local) return local[0] ?? null;
    try {
      return await cache.get(POSTS_GENERATION_KEY);
    } catch {
      return undefined;
    }
  };

  return {
    async get(slug, viewerKind, load, view) {
      const token = await generation();
      if (token === undefined) {
        const row = await load();
        return row === null ? null : view(row);
      }
      const now = Date.now();
      const entry = entries.get(slug);
      if (entry && entry.generation === token && now - entry.readAt < maxAgeMs) {
        return viewOf(entry, viewerKind, view);
      }
      forget(slug);
      const row = await load();
      if (row === null) return null;
      const fresh: Entry<Row, View> = {
        generation: token,
        readAt: now,
        row,
        chars: size(row),
        views: new Map(),
      };
      if (fresh.chars <= maxChars) {
        forget(slug); // a concurrent load of the same slug may have stored one meanwhile
        entries.set(slug, fresh);
        held += fresh.chars;
        // Oldest first (a Map keeps insertion order).
        for (const [oldest] of entries) {
          if (held <= maxChars) break;
          forget(oldest);
        }
      }
      return viewOf(fresh, viewerKind, view);
    },
  };
}
