import { and, asc, desc, eq } from 'drizzle-orm';
import { freeze, freezeAll, NavItemDto, PostDetailDto, PostSummaryDto } from '../../contracts/dtos.ts';
import type { BlogService } from '../../contracts/protocols.ts';
import { PAGE_TAGS } from '../../contracts/widgets.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import { authors, navigationItems, posts } from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { purgePageCache } from '../../infrastructure/page-cache.ts';

export interface BlogServiceDeps {
  db: DatabaseHandle;
  /** For purging cached pages when a post changes. */
  cache: Cache;
}

/** Blog reads and local content edits over the shared schema (Ghost write-back arrives with the editor). */
export function createBlogService({ db, cache }: BlogServiceDeps): BlogService {
  const published = and(eq(posts.type, 'post'), eq(posts.status, 'published'));
  const summaryColumns = {
    id: posts.id,
    slug: posts.slug,
    title: posts.title,
    excerpt: posts.customExcerpt,
    fallbackExcerpt: posts.excerpt,
    featureImage: posts.featureImage,
    publishedAt: posts.publishedAt,
    authorId: authors.id,
    authorSlug: authors.slug,
    authorName: authors.name,
  };
  type Row = {
    id: number;
    slug: string;
    title: string;
    excerpt: string | null;
    fallbackExcerpt: string | null;
    featureImage: string | null;
    publishedAt: Date | null;
    authorId: number | null;
    authorSlug: string | null;
    authorName: string | null;
  };
  const summary = (r: Row) => ({
    id: r.id,
    slug: r.slug,
    title: r.title,
    excerpt: r.excerpt ?? r.fallbackExcerpt,
    featureImage: r.featureImage,
    publishedAt: r.publishedAt,
    author:
      r.authorId !== null && r.authorSlug !== null && r.authorName !== null
        ? { id: r.authorId, slug: r.authorSlug, name: r.authorName }
        : null,
  });

  return {
    async listLatestPosts({ limit, offset = 0 }) {
      const rows = await db.db
        .select(summaryColumns)
        .from(posts)
        .leftJoin(authors, eq(authors.id, posts.primaryAuthorId))
        .where(published)
        .orderBy(desc(posts.publishedAt), desc(posts.id))
        .limit(limit)
        .offset(offset);
      return freezeAll(PostSummaryDto, rows.map(summary));
    },

    async getPublishedPostBySlug(slug) {
      const [row] = await db.db
        .select({
          ...summaryColumns,
          html: posts.html,
          readingTime: posts.readingTime,
          updatedAt: posts.updatedAt,
        })
        .from(posts)
        .leftJoin(authors, eq(authors.id, posts.primaryAuthorId))
        .where(and(published, eq(posts.slug, slug)))
        .limit(1);
      if (!row) return null;
      return freeze(PostDetailDto, {
        ...summary(row),
        html: row.html,
        readingTime: row.readingTime,
        updatedAt: row.updatedAt,
      });
    },

    async getNavigation(menu) {
      const rows = await db.db
        .select({ label: navigationItems.label, url: navigationItems.url })
        .from(navigationItems)
        .where(eq(navigationItems.menu, menu))
        .orderBy(asc(navigationItems.sortOrder), asc(navigationItems.id));
      return freezeAll(NavItemDto, rows);
    },

    async updatePostContent(id, patch) {
      const [row] = await db.db
        .update(posts)
        .set({
          ...(patch.title !== undefined ? { title: patch.title } : {}),
          ...(patch.html !== undefined ? { html: patch.html } : {}),
          ...(patch.customExcerpt !== undefined ? { customExcerpt: patch.customExcerpt } : {}),
        })
        .where(eq(posts.id, id))
        .returning({ slug: posts.slug });
      if (!row) return { ok: false, reason: 'not-found' };
      // Readers see the change at once: the post page and every listing that shows it.
      await purgePageCache(cache, [PAGE_TAGS.blogPost(row.slug), PAGE_TAGS.blogPosts]);
      return { ok: true };
    },
  };
}
