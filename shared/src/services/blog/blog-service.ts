/**
 * The BlogService: the blog's reader pages, feeds, editor and navigation admin call these same
 * functions, and so does any other app through `app.services.blog`. Every result is a frozen
 * DTO; "published" is defined once (`isPublished` in reader-queries.ts).
 */
import { and, asc, count, desc, eq, isNull } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../../config/index.ts';
import {
  AdminPostDto,
  AuthorDto,
  EditablePostDto,
  freeze,
  freezeAll,
  NavItemDto,
  NavMenusDto,
  NewsletterDto,
  PostDto,
  PostPageDto,
  SearchPageDto,
  SyncStatusDto,
  TagDto,
} from '../../contracts/dtos.ts';
import type { BlogService, FederationService } from '../../contracts/protocols.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import {
  apActivities,
  ghostSyncRuns,
  ghostWebhookEvents,
  newsletters,
  posts,
} from '../../db/schema/index.ts';
import { AS_CONTEXT } from '../../infrastructure/activitypub/uris.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { authorFor, getEditablePost, listAdminPosts } from './editor-service.ts';
import { createGhostClient, type GhostClient } from './ghost-client.ts';
import { discardFailedWebhook, listFailedWebhooks, retryFailedWebhook } from './ghost-webhooks.ts';
import { readNavigation, saveNavigation } from './navigation-service.ts';
import { articleId, buildArticle } from './post-activities.ts';
import { createPostMemo } from './post-memo.ts';
import { publishDue, removePost, saveFromEditor } from './publishing-service.ts';
import {
  ANONYMOUS,
  getAuthor,
  getPublishedRow,
  getTag,
  isPublished,
  listAllPublished,
  listAuthors,
  listPublicTags,
  listPublishedPosts,
  type PublishedRow,
  readerPostOf,
  searchPublished,
} from './reader-queries.ts';

export interface BlogServiceDeps {
  db: DatabaseHandle;
  cache: Cache;
  config: AppConfig;
  /** Announces posts (Create / Update / Delete); null disables announcing. */
  federation: FederationService | null;
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** Overrides the Ghost client built from config.ghost (tests). */
  ghost?: GhostClient | null;
}

export function createBlogService(deps: BlogServiceDeps): BlogService {
  const db = deps.db.db;
  const ghost =
    deps.ghost !== undefined ? deps.ghost : deps.config.ghost ? createGhostClient(deps.config.ghost) : null;
  const publishing = () => ({
    db,
    cache: deps.cache,
    config: deps.config,
    ghost,
    federation: deps.federation,
    log: deps.log,
  });
  // What a post view reads, held between changes (post-memo.ts).
  const published = createPostMemo<PublishedRow, Readonly<PostDto>>(
    deps.cache,
    (row) => (row.html?.length ?? 0) + (row.plaintext?.length ?? 0) + 2_000,
  );
  const editable = async (id: number) => {
    const post = await getEditablePost(db, id);
    return post ? freeze(EditablePostDto, post) : null;
  };

  return {
    async listPosts({ page, perPage, tagSlug, authorSlug }) {
      return freeze(
        PostPageDto,
        await listPublishedPosts(db, {
          perPage,
          ...(page ? { page } : {}),
          ...(tagSlug ? { tagSlug } : {}),
          ...(authorSlug ? { authorSlug } : {}),
        }),
      );
    },

    async getPublishedBySlug(slug, viewer = ANONYMOUS) {
      // Three kinds of reader see different bodies (members-only and paid posts).
      const kind = viewer.staff ? 2 : viewer.signedIn ? 1 : 0;
      return published.get(
        slug,
        kind,
        () => getPublishedRow(db, slug),
        (row) => freeze(PostDto, readerPostOf(row, viewer)),
      );
    },

    async listAllPublished(opts = {}) {
      return freezeAll(PostDto, await listAllPublished(db, opts));
    },

    async search(q, { page, perPage }) {
      return freeze(SearchPageDto, await searchPublished(db, q, { perPage, ...(page ? { page } : {}) }));
    },

    async getTag(slug) {
      const tag = await getTag(db, slug);
      return tag ? freeze(TagDto, tag) : null;
    },

    async getAuthor(slug) {
      const author = await getAuthor(db, slug);
      return author ? freeze(AuthorDto, author) : null;
    },

    async listTags() {
      return freezeAll(TagDto, await listPublicTags(db));
    },

    async listAuthors() {
      return freezeAll(AuthorDto, await listAuthors(db));
    },

    async getNavigation(menu) {
      const menus = await readNavigation(db);
      return freezeAll(NavItemDto, menus[menu]);
    },

    async listNewsletters() {
      const rows = await db
        .select({
          id: newsletters.id,
          slug: newsletters.slug,
          name: newsletters.name,
          description: newsletters.description,
          ghostId: newsletters.ghostId,
        })
        .from(newsletters)
        .where(eq(newsletters.status, 'active'))
        .orderBy(asc(newsletters.sortOrder), asc(newsletters.id));
      return freezeAll(NewsletterDto, rows);
    },

    async getArticle(uuid) {
      const [post] = await db
        .select()
        .from(posts)
        .where(and(eq(posts.uuid, uuid), eq(posts.type, 'post'), isPublished()))
        .limit(1);
      if (post) {
        const article = await buildArticle(db, deps.config, post);
        return {
          kind: 'live',
          slug: post.slug,
          article: Object.freeze({ '@context': AS_CONTEXT, ...article }),
        };
      }
      const id = articleId(deps.config, { uuid });
      // Only an Article we announced has a Tombstone; anything else simply is not here.
      const announced = await db.$count(
        apActivities,
        and(eq(apActivities.objectUri, id), eq(apActivities.direction, 'out')),
      );
      if (!announced) return { kind: 'none' };
      return {
        kind: 'gone',
        tombstone: Object.freeze({ '@context': AS_CONTEXT, id, type: 'Tombstone', formerType: 'Article' }),
      };
    },

    async listAdminPosts(status, type) {
      return freezeAll(AdminPostDto, await listAdminPosts(db, status, type));
    },

    async countPostsByStatus() {
      const rows = await db
        .select({ status: posts.status, n: count() })
        .from(posts)
        .where(eq(posts.type, 'post'))
        .groupBy(posts.status);
      const n = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
      return Object.freeze({ draft: n('draft'), scheduled: n('scheduled'), published: n('published') });
    },

    getEditablePost: editable,

    async savePost({ id, input, action, writer }) {
      const authorId = writer ? await authorFor(db, writer) : null;
      const result = await saveFromEditor(publishing(), { id, input, action, authorId });
      if (!result.ok) return result;
      const post = await editable(result.post.id);
      if (!post) return { ok: false, reason: 'not_found', message: 'That post no longer exists' };
      return { ok: true, post, ...(result.ghostWarning ? { ghostWarning: result.ghostWarning } : {}) };
    },

    async deletePost(id) {
      const before = await editable(id);
      const result = await removePost(publishing(), id);
      if (!result.ok) return result;
      if (!before) return { ok: false, reason: 'not_found', message: 'That post no longer exists' };
      return { ok: true, post: before };
    },

    async publishDue(now) {
      return publishDue(publishing(), now);
    },

    async getMenus() {
      return freeze(NavMenusDto, await readNavigation(db));
    },

    async saveMenus(menus) {
      await saveNavigation(
        { db, cache: deps.cache },
        { primary: [...menus.primary], secondary: [...menus.secondary] },
      );
    },

    async getSyncStatus() {
      const runs = await db.select().from(ghostSyncRuns).orderBy(desc(ghostSyncRuns.startedAt)).limit(20);
      const pendingDeliveries = await db.$count(
        ghostWebhookEvents,
        and(isNull(ghostWebhookEvents.processedAt), isNull(ghostWebhookEvents.failedAt)),
      );
      const [lastFull] = await db
        .select()
        .from(ghostSyncRuns)
        .where(and(eq(ghostSyncRuns.kind, 'full'), eq(ghostSyncRuns.status, 'succeeded')))
        .orderBy(desc(ghostSyncRuns.startedAt))
        .limit(1);
      const drift = lastFull
        ? {
            posts: lastFull.counts.drift?.posts ?? 0,
            pages: lastFull.counts.drift?.pages ?? 0,
            at: lastFull.finishedAt ?? lastFull.startedAt,
          }
        : null;
      return freeze(SyncStatusDto, {
        runs,
        pendingDeliveries,
        failedDeliveries: await listFailedWebhooks(db),
        drift,
        demoRemoved: lastFull?.counts.demo?.removed ?? 0,
      });
    },

    retryWebhookDelivery: (id) => retryFailedWebhook(db, id),
    discardWebhookDelivery: (id) => discardFailedWebhook(db, id),
  };
}
