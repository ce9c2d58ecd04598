import { and, eq, inArray, isNotNull, isNull, notInArray } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { DatabaseLike } from '../../db/client.ts';
import {
  authors,
  type GhostSyncCounts,
  type GhostSyncKind,
  ghostSyncRuns,
  ghostSyncState,
  navigationItems,
  newsletters,
  type Post,
  type PostStatus,
  type PostType,
  type PostVisibility,
  posts,
  postsAuthors,
  postsTags,
  tags,
} from '../../db/schema/index.ts';
import {
  type GhostAuthor,
  type GhostClient,
  type GhostNavItem,
  type GhostNewsletter,
  type GhostPost,
  type GhostTag,
  ghostFilterDate,
} from './ghost-client.ts';
import { publicPlaintext, sanitizePostHtml } from './ghost-html.ts';

export type Outcome = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface SyncDeps {
  /** A database or a transaction (webhook processing applies each delivery inside its claim). */
  db: DatabaseLike;
  ghost: GhostClient;
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** Called with what changed, so the caller can purge caches and emit activities. */
  onPostChanged?: (change: PostChange, db: DatabaseLike) => Promise<void>;
  /**
   * Called after a change every page shows (the menus) or many rows at once (demo content
   * removed): the caller drops the `nav` fragment and the cached reader pages.
   */
  onSiteWideChange?: () => Promise<void>;
}

export interface PostChange {
  postId: number;
  /** The row as it is now (for deletes: as it was). */
  post: Post;
  type: PostType;
  outcome: Outcome;
  /** Status before and after, to tell publish / update / unpublish apart. */
  before: PostStatus | null;
  after: PostStatus | null;
}

/** Tallies outcomes per resource: `{ posts: { created: 2, unchanged: 1 } }`. */
export class Counter {
  readonly counts: GhostSyncCounts = {};
  add(resource: string, outcome: Outcome | string) {
    const r = this.counts[resource] ?? {};
    r[outcome] = (r[outcome] ?? 0) + 1;
    this.counts[resource] = r;
  }
}

const POST_PARAMS = {
  formats: 'html,lexical,mobiledoc,plaintext',
  include: 'tags,authors',
  limit: '15',
  order: 'updated_at asc',
};

const NAV_STATE_KEY = 'navigation';
/** ghost_sync_state key under which the demo seed lists its rows (see shared/src/dev/seed-blog.ts). */
export const DEMO_CONTENT_KEY = 'demo-content';
/** The rows the demo seed inserted, by table. */
export interface DemoContent {
  posts: number[];
  tags: number[];
  authors: number[];
  newsletters: number[];
}
/** One cursor per type: pages and posts advance independently. */
const cursorKey = (type: PostType) => `${type}s_cursor`;

/**
 * Full pull of everything Ghost owns: tags, authors, newsletters, navigation, posts and pages
 * (drafts and scheduled included), upserted by Ghost id. Rows whose Ghost id no longer exists
 * are deleted. A second run with nothing changed in Ghost reports only `unchanged`, and
 * `unchanged` means equal: each post is compared with Ghost's field by field. Posts that
 * differed although Ghost's `updated_at` had not moved are counted under `drift` (changes no
 * Ghost edit explains). The first full sync also removes the demo content Ghost does not have.
 */
export async function runFullSync(deps: SyncDeps): Promise<GhostSyncCounts> {
  return recordRun(deps, 'full', async (counter) => {
    await syncTaxonomy(deps, counter);
    for (const type of ['post', 'page'] as const) {
      let newest: string | null = null;
      const seen: string[] = [];
      for await (const item of deps.ghost.browse(type === 'post' ? 'posts' : 'pages', POST_PARAMS)) {
        seen.push(item.id);
        await applyPost(deps, type, item, counter, { source: 'pull' });
        if (!newest || item.updated_at > newest) newest = item.updated_at;
      }
      // Deletes honoured: a Ghost-owned row that Ghost no longer lists is gone there.
      const gone = await deps.db
        .select({ id: posts.id, status: posts.status })
        .from(posts)
        .where(
          and(
            eq(posts.type, type),
            isNotNull(posts.ghostId),
            seen.length ? notInArray(posts.ghostId, seen) : undefined,
          ),
        );
      for (const row of gone) await deletePostRow(deps, row.id, type, row.status, counter);
      if (newest) await setState(deps.db, cursorKey(type), { updatedAt: newest });
    }
    await removeDemoContent(deps, counter);
  });
}

/**
 * The demo seed's rows that Ghost did not adopt (no Ghost id by now) are deleted: with Ghost
 * configured the blog shows Ghost's content only. Runs once; counted as `demo: { removed }`.
 */
async function removeDemoContent(deps: SyncDeps, counter: Counter) {
  const demo = (await getState(deps.db, DEMO_CONTENT_KEY)) as Partial<DemoContent> | null;
  if (!demo) return;
  const removed = await deps.db.transaction(async (tx) => {
    let n = 0;
    const drop = async (
      table: typeof posts | typeof tags | typeof authors | typeof newsletters,
      ids?: number[],
    ) => {
      if (!ids?.length) return;
      const rows = await tx
        .delete(table)
        .where(and(inArray(table.id, ids), isNull(table.ghostId)))
        .returning({ id: table.id });
      n += rows.length;
    };
    await drop(posts, demo.posts);
    await drop(tags, demo.tags);
    await drop(authors, demo.authors);
    await drop(newsletters, demo.newsletters);
    await tx.delete(ghostSyncState).where(eq(ghostSyncState.key, DEMO_CONTENT_KEY));
    return n;
  });
  for (let i = 0; i < removed; i++) counter.add('demo', 'removed');
  if (removed) {
    deps.log.info({ removed }, 'demo content Ghost does not have was removed');
    await deps.onSiteWideChange?.();
  }
}

/**
 * Safety-net pull: posts and pages updated since the stored cursor (Ghost's filter format,
 * `>=` because Ghost keeps 1-second precision; unchanged rows are recognised and skipped),
 * plus the small collections webhooks never report (authors, newsletters, navigation).
 */
export async function runIncrementalSync(deps: SyncDeps): Promise<GhostSyncCounts> {
  return recordRun(deps, 'incremental', async (counter) => {
    await syncTaxonomy(deps, counter);
    for (const type of ['post', 'page'] as const) {
      const cursor = (await getState(deps.db, cursorKey(type))) as { updatedAt?: string } | null;
      const since = cursor?.updatedAt ? new Date(cursor.updatedAt) : new Date(0);
      let newest = cursor?.updatedAt ?? null;
      const params = { ...POST_PARAMS, filter: `updated_at:>='${ghostFilterDate(since)}'` };
      for await (const item of deps.ghost.browse(type === 'post' ? 'posts' : 'pages', params)) {
        await applyPost(deps, type, item, counter, { source: 'pull' });
        if (!newest || item.updated_at > newest) newest = item.updated_at;
      }
      if (newest) await setState(deps.db, cursorKey(type), { updatedAt: newest });
    }
  });
}

async function syncTaxonomy(deps: SyncDeps, counter: Counter) {
  // Tags and authors show on every post that carries them (names, links).
  let taxonomyChanged = false;
  for await (const tag of deps.ghost.browse('tags', { limit: 'all' })) {
    const outcome = await upsertTag(deps.db, tag);
    counter.add('tags', outcome);
    if (outcome !== 'unchanged') taxonomyChanged = true;
  }
  for await (const user of deps.ghost.browse('users', { limit: 'all' })) {
    const outcome = await upsertAuthor(deps.db, user);
    counter.add('authors', outcome);
    if (outcome !== 'unchanged') taxonomyChanged = true;
  }
  let newslettersChanged = false;
  for await (const newsletter of deps.ghost.browse('newsletters', { limit: 'all' })) {
    const outcome = await upsertNewsletter(deps.db, newsletter);
    counter.add('newsletters', outcome);
    if (outcome !== 'unchanged') newslettersChanged = true;
  }
  const navigation = await syncNavigation(deps.db, await deps.ghost.navigation());
  counter.add('navigation', navigation);
  // The menus are in every app's header (the `nav` fragment) and the blog's footer, which also
  // offers the newsletters.
  if (navigation !== 'unchanged' || newslettersChanged || taxonomyChanged) await deps.onSiteWideChange?.();
}

async function recordRun(
  deps: SyncDeps,
  kind: GhostSyncKind,
  work: (counter: Counter) => Promise<void>,
): Promise<GhostSyncCounts> {
  const [run] = await deps.db.insert(ghostSyncRuns).values({ kind }).returning({ id: ghostSyncRuns.id });
  const counter = new Counter();
  try {
    await work(counter);
    await deps.db
      .update(ghostSyncRuns)
      .set({ status: 'succeeded', finishedAt: new Date(), counts: counter.counts })
      .where(eq(ghostSyncRuns.id, run!.id));
    deps.log.info({ kind, counts: counter.counts }, 'ghost sync finished');
    return counter.counts;
  } catch (err) {
    await deps.db
      .update(ghostSyncRuns)
      .set({
        status: 'failed',
        finishedAt: new Date(),
        counts: counter.counts,
        error: (err as Error).message,
      })
      .where(eq(ghostSyncRuns.id, run!.id));
    deps.log.error({ err, kind }, 'ghost sync failed');
    throw err;
  }
}

/**
 * True when every value we would write equals what the row holds. Ghost's `updated_at` has
 * 1-second precision (an add and a publish can share it), so equal timestamps alone do not
 * prove a delivery is a repeat: the fields decide.
 */
function sameValues(row: Record<string, unknown>, values: Record<string, unknown>): boolean {
  return Object.entries(values).every(([key, value]) => {
    const current = row[key];
    if (value instanceof Date || current instanceof Date) {
      return (
        (value === null && current === null) ||
        (value instanceof Date && current instanceof Date && value.getTime() === current.getTime())
      );
    }
    return (current ?? null) === (value ?? null);
  });
}

function date(value: string | null | undefined): Date | null {
  return value ? new Date(value) : null;
}

export async function upsertTag(db: DatabaseLike, tag: GhostTag): Promise<Outcome> {
  const values = {
    ghostId: tag.id,
    slug: tag.slug,
    name: tag.name,
    description: tag.description ?? null,
    visibility: tag.visibility === 'internal' ? ('internal' as const) : ('public' as const),
    featureImage: tag.feature_image ?? null,
    accentColor: tag.accent_color ?? null,
    metaTitle: tag.meta_title ?? null,
    metaDescription: tag.meta_description ?? null,
    ogImage: tag.og_image ?? null,
    ogTitle: tag.og_title ?? null,
    ogDescription: tag.og_description ?? null,
    twitterImage: tag.twitter_image ?? null,
    twitterTitle: tag.twitter_title ?? null,
    twitterDescription: tag.twitter_description ?? null,
    canonicalUrl: tag.canonical_url ?? null,
    ghostUpdatedAt: date(tag.updated_at),
  };
  const existing = await findByGhostIdOrSlug(db, tags, tag.id, tag.slug);
  if (!existing) {
    await db.insert(tags).values(values);
    return 'created';
  }
  if (existing.ghostId === tag.id && sameValues(existing, values)) return 'unchanged';
  await db.update(tags).set(values).where(eq(tags.id, existing.id));
  return 'updated';
}

export async function upsertAuthor(db: DatabaseLike, author: GhostAuthor): Promise<Outcome> {
  const values = {
    ghostId: author.id,
    slug: author.slug,
    name: author.name,
    email: author.email ?? null,
    bio: author.bio ?? null,
    profileImage: author.profile_image ?? null,
    coverImage: author.cover_image ?? null,
    website: author.website ?? null,
    location: author.location ?? null,
    facebook: author.facebook ?? null,
    twitter: author.twitter ?? null,
    metaTitle: author.meta_title ?? null,
    metaDescription: author.meta_description ?? null,
    ghostUpdatedAt: date(author.updated_at),
  };
  const existing = await findByGhostIdOrSlug(db, authors, author.id, author.slug);
  if (!existing) {
    await db.insert(authors).values(values);
    return 'created';
  }
  // Authors embedded in posts carry fewer fields than /users/: compare only what they carry.
  const { ghostUpdatedAt, ...rest } = values;
  const comparable = ghostUpdatedAt ? values : rest;
  if (existing.ghostId === author.id && sameValues(existing, comparable)) return 'unchanged';
  await db.update(authors).set(comparable).where(eq(authors.id, existing.id));
  return 'updated';
}

async function upsertNewsletter(db: DatabaseLike, n: GhostNewsletter): Promise<Outcome> {
  const values = {
    ghostId: n.id,
    name: n.name,
    slug: n.slug,
    description: n.description ?? null,
    status: n.status === 'archived' ? ('archived' as const) : ('active' as const),
    visibility: n.visibility ?? 'members',
    sortOrder: n.sort_order ?? 0,
    subscribeOnSignup: n.subscribe_on_signup ?? false,
    ghostUpdatedAt: date(n.updated_at),
  };
  const existing = await findByGhostIdOrSlug(db, newsletters, n.id, n.slug);
  if (!existing) {
    await db.insert(newsletters).values(values);
    return 'created';
  }
  if (existing.ghostId === n.id && sameValues(existing, values)) return 'unchanged';
  await db.update(newsletters).set(values).where(eq(newsletters.id, existing.id));
  return 'updated';
}

/**
 * Ghost's navigation is imported only when it changed in Ghost since the last import, so menus
 * edited in the blog (integrations cannot write Ghost settings) are not overwritten each pull.
 */
async function syncNavigation(
  db: DatabaseLike,
  nav: { primary: GhostNavItem[]; secondary: GhostNavItem[] },
): Promise<Outcome> {
  const fingerprint = JSON.stringify(nav);
  const last = (await getState(db, NAV_STATE_KEY)) as { fingerprint?: string } | null;
  if (last?.fingerprint === fingerprint) return 'unchanged';
  await db.transaction(async (tx) => {
    await tx.delete(navigationItems);
    const rows = [
      ...nav.primary.map((item, i) => ({
        menu: 'primary' as const,
        label: item.label,
        url: item.url,
        sortOrder: i,
      })),
      ...nav.secondary.map((item, i) => ({
        menu: 'secondary' as const,
        label: item.label,
        url: item.url,
        sortOrder: i,
      })),
    ];
    if (rows.length) await tx.insert(navigationItems).values(rows);
    await setState(tx, NAV_STATE_KEY, { fingerprint });
  });
  return last ? 'updated' : 'created';
}

function toStatus(status: string | undefined): PostStatus {
  return status === 'published' || status === 'scheduled' || status === 'sent' ? status : 'draft';
}

function toVisibility(v: string | undefined): PostVisibility {
  return v === 'members' || v === 'paid' || v === 'tiers' ? v : 'public';
}

/**
 * The columns a Ghost post or page maps to, as the blog stores them. A members-only or paid
 * post keeps its whole body in `html` (for readers allowed to see it) but only its public
 * preview in `plaintext` and `excerpt`, which feed search, feeds and the fediverse.
 */
export function ghostPostValues(type: PostType, item: GhostPost) {
  const html = sanitizePostHtml(item.html);
  const visibility = toVisibility(item.visibility);
  const gated = visibility !== 'public';
  const plaintext = publicPlaintext(html, item.plaintext ?? null, visibility);
  return {
    ghostId: item.id,
    ...(item.uuid ? { uuid: item.uuid } : {}),
    type,
    slug: item.slug,
    title: item.title,
    // An answer without HTML (Ghost sends Lexical alone unless asked) keeps the stored body.
    ...(item.html !== undefined ? { html, plaintext } : {}),
    // Webhook payloads omit the editor source; keep what a full pull stored.
    ...(item.lexical !== undefined ? { lexical: item.lexical } : {}),
    ...(item.mobiledoc !== undefined ? { mobiledoc: item.mobiledoc } : {}),
    // Ghost's own excerpt of a gated post may quote what only members may read.
    ...(item.html !== undefined || !gated
      ? {
          excerpt: gated
            ? (item.custom_excerpt ?? (plaintext ? truncateText(plaintext, 300) : null))
            : (item.excerpt ?? item.custom_excerpt ?? null),
        }
      : {}),
    customExcerpt: item.custom_excerpt ?? null,
    featureImage: item.feature_image ?? null,
    featureImageAlt: item.feature_image_alt ?? null,
    featureImageCaption: item.feature_image_caption ?? null,
    status: toStatus(item.status),
    visibility,
    featured: item.featured ?? false,
    ...(item.show_title_and_feature_image !== undefined
      ? { showTitleAndFeatureImage: item.show_title_and_feature_image }
      : {}),
    customTemplate: item.custom_template ?? null,
    publishedAt: date(item.published_at),
    ghostUpdatedAt: new Date(item.updated_at),
    readingTime: item.reading_time ?? null,
    metaTitle: item.meta_title ?? null,
    metaDescription: item.meta_description ?? null,
    ogImage: item.og_image ?? null,
    ogTitle: item.og_title ?? null,
    ogDescription: item.og_description ?? null,
    twitterImage: item.twitter_image ?? null,
    twitterTitle: item.twitter_title ?? null,
    twitterDescription: item.twitter_description ?? null,
    canonicalUrl: item.canonical_url ?? null,
    ...(item.created_at ? { createdAt: new Date(item.created_at) } : {}),
  };
}

function truncateText(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 20))}…`;
}

export interface ApplyOptions {
  /**
   * `webhook`: a delivery, which may arrive late or twice, so one older than our copy is
   * skipped. `pull` and `write` (Ghost's answer to our own write) carry Ghost's current state,
   * which always wins.
   */
  source: 'pull' | 'webhook' | 'write';
}

/**
 * Upserts one post or page and its tags and authors. `unchanged` means equal: every column and
 * the tag and author lists are compared with what Ghost sent, whatever produced the last write
 * (our own write-back's echo is equal, so it changes nothing). Returns the outcome and row id.
 */
export async function applyPost(
  deps: SyncDeps,
  type: PostType,
  item: GhostPost,
  counter: Counter,
  options: ApplyOptions = { source: 'webhook' },
): Promise<{ outcome: Outcome; postId: number }> {
  const outcome = await deps.db.transaction(async (tx) => {
    const [existing] = await tx.select().from(posts).where(eq(posts.ghostId, item.id)).limit(1);
    // An older delivery (Ghost retries, out-of-order webhooks) never overwrites newer content.
    if (
      options.source === 'webhook' &&
      existing?.ghostUpdatedAt &&
      new Date(item.updated_at) < existing.ghostUpdatedAt
    ) {
      return { outcome: 'unchanged' as const, postId: existing.id, before: existing.status, drift: false };
    }
    for (const tag of item.tags ?? []) await upsertTag(tx, tag);
    for (const author of item.authors ?? []) await upsertAuthor(tx, author);
    const authorRows = item.authors?.length
      ? await tx
          .select({ id: authors.id, ghostId: authors.ghostId })
          .from(authors)
          .where(
            inArray(
              authors.ghostId,
              item.authors.map((a) => a.id),
            ),
          )
      : [];
    const tagRows = item.tags?.length
      ? await tx
          .select({ id: tags.id, ghostId: tags.ghostId })
          .from(tags)
          .where(
            inArray(
              tags.ghostId,
              item.tags.map((t) => t.id),
            ),
          )
      : [];
    const authorIds = (item.authors ?? []).map((a) => authorRows.find((r) => r.ghostId === a.id)!.id);
    const tagIds = (item.tags ?? []).map((t) => tagRows.find((r) => r.ghostId === t.id)!.id);
    const values = {
      ...ghostPostValues(type, item),
      ...(item.authors ? { primaryAuthorId: authorIds[0] ?? null } : {}),
    };
    let postId: number;
    let before: PostStatus | null = null;
    let result: Outcome;
    if (
      existing &&
      sameValues(existing, values) &&
      (await sameJoins(tx, existing.id, tagIds, authorIds, item))
    ) {
      return { outcome: 'unchanged' as const, postId: existing.id, before: existing.status, drift: false };
    }
    // Different although Ghost's updated_at has not moved: nothing in Ghost explains it.
    const drift =
      !!existing?.ghostUpdatedAt && existing.ghostUpdatedAt.getTime() === values.ghostUpdatedAt.getTime();
    if (existing) {
      await tx.update(posts).set(values).where(eq(posts.id, existing.id));
      postId = existing.id;
      before = existing.status;
      result = 'updated';
    } else {
      // A local row with the same slug and no Ghost id (e.g. demo content) is adopted.
      const [local] = await tx
        .select({ id: posts.id, status: posts.status })
        .from(posts)
        .where(and(eq(posts.type, type), eq(posts.slug, item.slug), isNull(posts.ghostId)))
        .limit(1);
      if (local) {
        await tx.update(posts).set(values).where(eq(posts.id, local.id));
        postId = local.id;
        before = local.status;
        result = 'updated';
      } else {
        const [inserted] = await tx.insert(posts).values(values).returning({ id: posts.id });
        postId = inserted!.id;
        result = 'created';
      }
    }
    if (item.tags) {
      await tx.delete(postsTags).where(eq(postsTags.postId, postId));
      if (tagIds.length) {
        await tx.insert(postsTags).values(tagIds.map((tagId, sortOrder) => ({ postId, tagId, sortOrder })));
      }
    }
    if (item.authors) {
      await tx.delete(postsAuthors).where(eq(postsAuthors.postId, postId));
      if (authorIds.length) {
        await tx
          .insert(postsAuthors)
          .values(authorIds.map((authorId, sortOrder) => ({ postId, authorId, sortOrder })));
      }
    }
    return { outcome: result, postId, before, after: values.status, drift };
  });
  const resource = type === 'post' ? 'posts' : 'pages';
  counter.add(resource, outcome.outcome);
  if (outcome.drift && options.source === 'pull') counter.add('drift', resource);
  if (outcome.outcome !== 'unchanged' && deps.onPostChanged) {
    const [row] = await deps.db.select().from(posts).where(eq(posts.id, outcome.postId));
    await deps.onPostChanged(
      {
        postId: outcome.postId,
        post: row!,
        type,
        outcome: outcome.outcome,
        before: outcome.before,
        after: 'after' in outcome ? (outcome.after ?? null) : null,
      },
      deps.db,
    );
  }
  return { outcome: outcome.outcome, postId: outcome.postId };
}

export async function deletePostRow(
  deps: SyncDeps,
  postId: number,
  type: PostType,
  before: PostStatus,
  counter: Counter,
) {
  const [row] = await deps.db.delete(posts).where(eq(posts.id, postId)).returning();
  counter.add(type === 'post' ? 'posts' : 'pages', 'deleted');
  if (row)
    await deps.onPostChanged?.({ postId, post: row, type, outcome: 'deleted', before, after: null }, deps.db);
}

async function sameJoins(
  db: DatabaseLike,
  postId: number,
  tagIds: number[],
  authorIds: number[],
  item: GhostPost,
): Promise<boolean> {
  if (item.tags) {
    const rows = await db
      .select()
      .from(postsTags)
      .where(eq(postsTags.postId, postId))
      .orderBy(postsTags.sortOrder);
    if (rows.map((r) => r.tagId).join() !== tagIds.join()) return false;
  }
  if (item.authors) {
    const rows = await db
      .select()
      .from(postsAuthors)
      .where(eq(postsAuthors.postId, postId))
      .orderBy(postsAuthors.sortOrder);
    if (rows.map((r) => r.authorId).join() !== authorIds.join()) return false;
  }
  return true;
}

async function findByGhostIdOrSlug<T extends typeof tags | typeof authors | typeof newsletters>(
  db: DatabaseLike,
  table: T,
  ghostId: string,
  slug: string,
) {
  const byId = await db
    .select()
    .from(table as typeof tags)
    .where(eq((table as typeof tags).ghostId, ghostId))
    .limit(1);
  if (byId[0]) return byId[0] as unknown as T['$inferSelect'];
  const bySlug = await db
    .select()
    .from(table as typeof tags)
    .where(eq((table as typeof tags).slug, slug))
    .limit(1);
  return bySlug[0] as unknown as T['$inferSelect'] | undefined;
}

async function getState(db: DatabaseLike, key: string): Promise<unknown> {
  const [row] = await db.select().from(ghostSyncState).where(eq(ghostSyncState.key, key)).limit(1);
  return row?.value ?? null;
}

async function setState(db: DatabaseLike, key: string, value: unknown) {
  await db
    .insert(ghostSyncState)
    .values({ key, value, lastSyncedAt: new Date() })
    .onConflictDoUpdate({ target: ghostSyncState.key, set: { value, lastSyncedAt: new Date() } });
}
