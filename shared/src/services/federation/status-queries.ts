/**
 * Reading posts for the social hub: who may see what (visibility, moderation blocks, hidden
 * posts), timelines paged by one number (`seq`, never an offset), threads, and the
 * `StatusDto`s they are shown as. Pages are built from the database alone: no remote server is
 * ever asked while a page renders, so a slow or broken one cannot stall it.
 */
import { and, count, desc, eq, inArray, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { AppConfig } from '../../config/index.ts';
import type { StatusDto, TimelinePageDto } from '../../contracts/dtos.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { type ApObject, apFollows, apInteractions, apObjects } from '../../db/schema/index.ts';
import { accountRefs } from './account-refs.ts';
import { httpUrlOrNull } from './actor-store.ts';

/** Who is looking: a member (with their actor URI once they have a username) or nobody. */
export interface Viewer {
  userId: number;
  actorUri: string | null;
}

export const TIMELINE_PAGE_SIZE = 20;

/**
 * True when neither the account at `column` nor its domain (or a parent domain) is blocked.
 * Hosts are compared with and without their port.
 */
export function notBlocked(column: AnyPgColumn | SQL): SQL {
  const host = sql`lower(split_part(split_part(${column}, '://', 2), '/', 1))`;
  const hostname = sql`split_part(${host}, ':', 1)`;
  return sql`not exists (select 1 from ap_blocks b where (b.kind = 'actor' and b.value = ${column})
    or (b.kind = 'domain' and (b.value = ${host} or b.value = ${hostname} or ${hostname} like '%.' || b.value)))`;
}

/** `column`'s account follows `target` (accepted). */
function follows(follower: string, target: AnyPgColumn | SQL): SQL {
  return sql`exists (select 1 from ${apFollows} f where f.follower_uri = ${follower} and f.following_uri = ${target} and f.state = 'accepted')`;
}

/** The accounts `actorUri` follows (accepted), as a subquery. */
function followedBy(actorUri: string): SQL {
  return sql`(select f.following_uri from ${apFollows} f where f.follower_uri = ${actorUri} and f.direction = 'out' and f.state = 'accepted')`;
}

/**
 * Posts the viewer may see: not deleted, not hidden, not from a blocked account; public and
 * unlisted to everyone; followers-only to its author's accepted followers; mentioned-only to
 * those it names. Authors see all of theirs.
 */
export function visibleTo(viewer: Viewer | null): SQL {
  const v = viewer?.actorUri ?? null;
  const audience = v
    ? sql` or ${apObjects.attributedTo} = ${v} or ${v} = any(${apObjects.audience})
        or (${apObjects.visibility} = 'followers' and ${follows(v, apObjects.attributedTo)})`
    : sql``;
  return sql`(${apObjects.deletedAt} is null and ${apObjects.hiddenAt} is null and ${notBlocked(apObjects.attributedTo)}
    and (${apObjects.visibility} in ('public', 'unlisted')${audience}))`;
}

interface Entry {
  objectId: number;
  cursor: number;
  booster: string | null;
}

/**
 * One page of a timeline merged from posts and boosts, newest first by `seq`. Each side is
 * fetched with the page's limit (+1 to know whether there is more) and the two are merged.
 */
async function timelinePage(
  db: DatabaseLike,
  config: AppConfig,
  viewer: Viewer | null,
  opts: { maxId?: number | undefined; limit: number; posts: SQL | undefined; boosts: SQL | null },
): Promise<TimelinePageDto> {
  const { limit } = opts;
  const before = opts.maxId ? lt(apObjects.seq, opts.maxId) : undefined;
  const postRows = await db
    .select({ objectId: apObjects.id, cursor: apObjects.seq })
    .from(apObjects)
    .where(and(visibleTo(viewer), opts.posts, before))
    .orderBy(desc(apObjects.seq))
    .limit(limit + 1);
  const entries: Entry[] = postRows.map((r) => ({ ...r, booster: null }));
  if (opts.boosts) {
    const boostRows = await db
      .select({ objectId: apObjects.id, cursor: apInteractions.seq, booster: apInteractions.actorUri })
      .from(apInteractions)
      .innerJoin(apObjects, eq(apObjects.uri, apInteractions.objectUri))
      .where(
        and(
          eq(apInteractions.type, 'announce'),
          opts.boosts,
          notBlocked(apInteractions.actorUri),
          visibleTo(viewer),
          inArray(apObjects.visibility, ['public', 'unlisted']),
          opts.maxId ? lt(apInteractions.seq, opts.maxId) : undefined,
        ),
      )
      .orderBy(desc(apInteractions.seq))
      .limit(limit + 1);
    entries.push(...boostRows);
  }
  entries.sort((a, b) => b.cursor - a.cursor);
  const page = entries.slice(0, limit);
  const items = await loadStatuses(db, config, viewer, page);
  const last = page.at(-1);
  return { items, nextMaxId: entries.length > limit && last ? last.cursor : null };
}

/** Home: the member's own posts and boosts, and those of the accounts they follow, and posts naming them. */
export function homeTimeline(
  db: DatabaseLike,
  config: AppConfig,
  viewer: Viewer & { actorUri: string },
  opts: { maxId?: number | undefined; limit?: number },
): Promise<TimelinePageDto> {
  const me = viewer.actorUri;
  return timelinePage(db, config, viewer, {
    maxId: opts.maxId,
    limit: opts.limit ?? TIMELINE_PAGE_SIZE,
    posts: or(
      eq(apObjects.attributedTo, me),
      and(sql`${apObjects.attributedTo} in ${followedBy(me)}`, ne(apObjects.visibility, 'direct')),
      sql`${me} = any(${apObjects.audience})`,
    ),
    boosts: or(eq(apInteractions.actorUri, me), sql`${apInteractions.actorUri} in ${followedBy(me)}`) as SQL,
  });
}

/** Local: every member's public posts. */
export function localTimeline(
  db: DatabaseLike,
  config: AppConfig,
  viewer: Viewer | null,
  opts: { maxId?: number | undefined; limit?: number },
): Promise<TimelinePageDto> {
  return timelinePage(db, config, viewer, {
    maxId: opts.maxId,
    limit: opts.limit ?? TIMELINE_PAGE_SIZE,
    posts: and(eq(apObjects.local, true), eq(apObjects.visibility, 'public'), isNull(apObjects.inReplyTo)),
    boosts: null,
  });
}

/** One account's posts (and boosts) that the viewer may see. */
export function accountTimeline(
  db: DatabaseLike,
  config: AppConfig,
  viewer: Viewer | null,
  actorUri: string,
  opts: { maxId?: number | undefined; limit?: number },
): Promise<TimelinePageDto> {
  return timelinePage(db, config, viewer, {
    maxId: opts.maxId,
    limit: opts.limit ?? TIMELINE_PAGE_SIZE,
    posts: eq(apObjects.attributedTo, actorUri),
    boosts: eq(apInteractions.actorUri, actorUri),
  });
}

/** Public posts carrying a hashtag (ours and remote ones we received). */
export function tagTimeline(
  db: DatabaseLike,
  config: AppConfig,
  viewer: Viewer | null,
  tag: string,
  opts: { maxId?: number | undefined; limit?: number },
): Promise<TimelinePageDto> {
  return timelinePage(db, config, viewer, {
    maxId: opts.maxId,
    limit: opts.limit ?? TIMELINE_PAGE_SIZE,
    posts: and(
      sql`${apObjects.hashtags} @> array[${tag.toLowerCase()}]::text[]`,
      eq(apObjects.visibility, 'public'),
    ),
    boosts: null,
  });
}

/** One post the viewer may see, or null. */
export async function findVisibleObject(
  db: DatabaseLike,
  viewer: Viewer | null,
  objectId: number,
): Promise<ApObject | null> {
  const [row] = await db
    .select()
    .from(apObjects)
    .where(and(eq(apObjects.id, objectId), visibleTo(viewer)))
    .limit(1);
  return row ?? null;
}

/** How deep and how wide a thread page goes. */
const THREAD_LIMITS = { ancestors: 40, depth: 12, descendants: 300 };

/** A post with what it answers (oldest first) and its replies (depth-first), as far as we have them. */
export async function thread(
  db: DatabaseLike,
  config: AppConfig,
  viewer: Viewer | null,
  objectId: number,
): Promise<{
  ancestors: StatusDto[];
  status: StatusDto;
  descendants: (StatusDto & { depth: number })[];
} | null> {
  const root = await findVisibleObject(db, viewer, objectId);
  if (!root) return null;
  const ancestors: ApObject[] = [];
  let parentUri = root.inReplyTo;
  const seen = new Set([root.uri]);
  while (parentUri && !seen.has(parentUri) && ancestors.length < THREAD_LIMITS.ancestors) {
    seen.add(parentUri);
    const [parent] = await db
      .select()
      .from(apObjects)
      .where(and(eq(apObjects.uri, parentUri), visibleTo(viewer)))
      .limit(1);
    if (!parent) break;
    ancestors.unshift(parent);
    parentUri = parent.inReplyTo;
  }
  // Replies level by level, then laid out depth-first in publication order.
  const children = new Map<string, ApObject[]>();
  let level = [root.uri];
  let total = 0;
  for (
    let depth = 1;
    depth <= THREAD_LIMITS.depth && level.length && total < THREAD_LIMITS.descendants;
    depth++
  ) {
    const rows = await db
      .select()
      .from(apObjects)
      .where(and(inArray(apObjects.inReplyTo, level), visibleTo(viewer)))
      .orderBy(apObjects.publishedAt, apObjects.id)
      .limit(THREAD_LIMITS.descendants - total);
    level = [];
    for (const row of rows) {
      if (seen.has(row.uri)) continue;
      seen.add(row.uri);
      const list = children.get(row.inReplyTo as string) ?? [];
      list.push(row);
      children.set(row.inReplyTo as string, list);
      level.push(row.uri);
      total++;
    }
  }
  const ordered: { row: ApObject; depth: number }[] = [];
  const walk = (uri: string, depth: number) => {
    for (const child of children.get(uri) ?? []) {
      ordered.push({ row: child, depth });
      walk(child.uri, depth + 1);
    }
  };
  walk(root.uri, 1);
  const all = [...ancestors, root, ...ordered.map((o) => o.row)];
  const statuses = await loadStatuses(
    db,
    config,
    viewer,
    all.map((o) => ({ objectId: o.id, cursor: o.seq, booster: null })),
    all,
  );
  const byId = new Map(statuses.map((s) => [s.id, s]));
  return {
    ancestors: ancestors.map((a) => byId.get(a.id) as StatusDto),
    status: byId.get(root.id) as StatusDto,
    descendants: ordered.map((o) => ({ ...(byId.get(o.row.id) as StatusDto), depth: o.depth })),
  };
}

/** Our thread page of a post. */
export function statusPath(objectId: number): string {
  return `/social/notes/${objectId}`;
}

/**
 * Timeline entries as `StatusDto`s (entries whose post is gone are dropped), with authors,
 * boosters, counts and the viewer's own likes and boosts, in a fixed number of queries.
 */
export async function loadStatuses(
  db: DatabaseLike,
  config: AppConfig,
  viewer: Viewer | null,
  entries: readonly Entry[],
  preloaded?: readonly ApObject[],
): Promise<StatusDto[]> {
  if (!entries.length) return [];
  const ids = [...new Set(entries.map((e) => e.objectId))];
  const rows = preloaded ?? (await db.select().from(apObjects).where(inArray(apObjects.id, ids)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const uris = rows.map((r) => r.uri);
  const [refs, counts, replies, mine, parents] = await Promise.all([
    accountRefs(db, config, [
      ...rows.map((r) => r.attributedTo),
      ...entries.flatMap((e) => (e.booster ? [e.booster] : [])),
    ]),
    db
      .select({ uri: apInteractions.objectUri, type: apInteractions.type, n: count() })
      .from(apInteractions)
      .where(and(inArray(apInteractions.objectUri, uris), notBlocked(apInteractions.actorUri)))
      .groupBy(apInteractions.objectUri, apInteractions.type),
    db
      .select({ uri: apObjects.inReplyTo, n: count() })
      .from(apObjects)
      .where(
        and(
          inArray(apObjects.inReplyTo, uris),
          isNull(apObjects.deletedAt),
          isNull(apObjects.hiddenAt),
          inArray(apObjects.visibility, ['public', 'unlisted']),
          notBlocked(apObjects.attributedTo),
        ),
      )
      .groupBy(apObjects.inReplyTo),
    viewer?.actorUri
      ? db
          .select({ uri: apInteractions.objectUri, type: apInteractions.type })
          .from(apInteractions)
          .where(and(eq(apInteractions.actorUri, viewer.actorUri), inArray(apInteractions.objectUri, uris)))
      : Promise.resolve([]),
    (() => {
      const parentUris = [...new Set(rows.flatMap((r) => (r.inReplyTo ? [r.inReplyTo] : [])))];
      return parentUris.length
        ? db
            .select({ id: apObjects.id, uri: apObjects.uri })
            .from(apObjects)
            .where(inArray(apObjects.uri, parentUris))
        : Promise.resolve([]);
    })(),
  ]);
  const countOf = (uri: string, type: 'like' | 'announce') =>
    counts.find((c) => c.uri === uri && c.type === type)?.n ?? 0;
  const parentIds = new Map(parents.map((p) => [p.uri, p.id]));
  const out: StatusDto[] = [];
  for (const entry of entries) {
    const row = byId.get(entry.objectId);
    if (!row) continue;
    const author = refs.get(row.attributedTo);
    if (!author) continue;
    out.push({
      id: row.id,
      uri: row.uri,
      url: row.local
        ? `${config.apps.federation.publicUrl}${statusPath(row.id)}`
        : (httpUrlOrNull(row.url) ?? row.uri),
      type: row.type,
      name: row.name,
      author,
      contentHtml: row.deletedAt ? '' : (row.content ?? ''),
      // A note's summary is its content warning; an article's is its excerpt.
      contentWarning:
        row.summary?.trim() && (row.type === 'Note' || row.type === 'Question') ? row.summary : null,
      sensitive: row.sensitive,
      visibility: row.visibility,
      inReplyTo: row.inReplyTo,
      inReplyToId: row.inReplyTo ? (parentIds.get(row.inReplyTo) ?? null) : null,
      publishedAt: row.publishedAt,
      editedAt: row.editedAt,
      attachments: row.attachments.flatMap((a) => {
        const url = httpUrlOrNull(a.url);
        if (!url) return [];
        const mediaType = a.mediaType ?? null;
        return [
          {
            url,
            mediaType,
            description: a.name ?? null,
            isImage: (mediaType?.startsWith('image/') ?? false) || a.type === 'Image',
          },
        ];
      }),
      hashtags: row.hashtags,
      likes: countOf(row.uri, 'like'),
      boosts: countOf(row.uri, 'announce'),
      replies: replies.find((r) => r.uri === row.uri)?.n ?? 0,
      likedByViewer: mine.some((m) => m.uri === row.uri && m.type === 'like'),
      boostedByViewer: mine.some((m) => m.uri === row.uri && m.type === 'announce'),
      byViewer: !!viewer?.actorUri && row.local && row.attributedTo === viewer.actorUri,
      boostable: row.visibility === 'public' || row.visibility === 'unlisted',
      boostedBy: entry.booster ? (refs.get(entry.booster) ?? null) : null,
      cursor: entry.cursor,
    });
  }
  return out;
}
