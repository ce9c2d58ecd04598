import { and, desc, eq, getTableColumns, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { PostDto } from '../../contracts/dtos.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { authors, posts, postsAuthors, postsTags, tags } from '../../db/schema/index.ts';
import { audienceOf, fullHtml, publicHtml, sanitizeCaptionHtml } from './ghost-html.ts';

/** A published post as the reader pages, feeds and sitemap show it (frozen as a PostDto). */
export type ReaderPost = {
  -readonly [K in keyof PostDto]: PostDto[K];
};

export interface Page<T> {
  items: T[];
  page: number;
  pages: number;
  total: number;
}

/**
 * Who is reading: members-only posts are whole for signed-in members, paid posts for staff
 * (the blog does not know who pays: Ghost's member tiers are not mirrored). Everything else —
 * lists, feeds, search, other apps — reads as an anonymous visitor.
 */
export interface Viewer {
  signedIn: boolean;
  staff: boolean;
}
export const ANONYMOUS: Viewer = { signedIn: false, staff: false };

/** Words per minute used for reading time when Ghost did not supply one. */
const WORDS_PER_MINUTE = 265;

/**
 * What "published" means, everywhere (reader pages, feeds, search, the sitemap, other apps, the
 * ActivityPub Article): status published and a publication time that has come.
 */
export const isPublished = () => and(eq(posts.status, 'published'), lte(posts.publishedAt, sql`now()`));
const isLive = isPublished;

/** Every column a reader page uses: all but the search document, which only search reads. */
const { search: _search, ...readerColumns } = getTableColumns(posts);
type PostRow = Omit<typeof posts.$inferSelect, 'search'>;
type PostAuthor = { id: number; slug: string; name: string };

/**
 * Published posts, newest first, optionally within a tag or an author; public tags only
 * (Ghost's `#internal` tags never show to readers).
 */
export async function listPublishedPosts(
  db: DatabaseLike,
  options: { page?: number; perPage?: number; tagSlug?: string; authorSlug?: string } = {},
): Promise<Page<ReaderPost>> {
  const perPage = options.perPage ?? 10;
  const page = Math.max(1, options.page ?? 1);
  const filters = [eq(posts.type, 'post'), isLive()];
  if (options.tagSlug) {
    filters.push(
      inArray(
        posts.id,
        db
          .select({ id: postsTags.postId })
          .from(postsTags)
          .innerJoin(tags, eq(tags.id, postsTags.tagId))
          .where(eq(tags.slug, options.tagSlug)),
      ),
    );
  }
  if (options.authorSlug) {
    filters.push(
      inArray(
        posts.id,
        db
          .select({ id: postsAuthors.postId })
          .from(postsAuthors)
          .innerJoin(authors, eq(authors.id, postsAuthors.authorId))
          .where(eq(authors.slug, options.authorSlug)),
      ),
    );
  }
  const where = and(...filters);
  const total = await db.$count(posts, where);
  const rows = await db
    .select(readerColumns)
    .from(posts)
    .where(where)
    .orderBy(desc(posts.publishedAt), desc(posts.id))
    .limit(perPage)
    .offset((page - 1) * perPage);
  return { items: await decorate(db, rows), page, pages: Math.max(1, Math.ceil(total / perPage)), total };
}

/** Every published post and page (sitemap), or the newest of one type (feeds), newest first. */
export async function listAllPublished(
  db: DatabaseLike,
  options: { limit?: number; type?: 'post' | 'page' } = {},
): Promise<ReaderPost[]> {
  const query = db
    .select(readerColumns)
    .from(posts)
    .where(and(isLive(), options.type ? eq(posts.type, options.type) : undefined))
    .orderBy(desc(posts.publishedAt), desc(posts.id));
  return decorate(db, options.limit ? await query.limit(options.limit) : await query);
}

/** A published post or page by slug as stored: the post, its tags and its authors. */
export type PublishedRow = PostRow & { tagList: { slug: string; name: string }[]; authorList: PostAuthor[] };

/**
 * A published post or page by slug; a post wins over a page with the same slug. One query: the
 * post page reads it when the blog's post memo does not hold it, so its tags and authors come
 * with it.
 */
export async function getPublishedRow(db: DatabaseLike, slug: string): Promise<PublishedRow | null> {
  const [row] = await postBySlug(db).execute({ slug });
  return row ?? null;
}

/** A published row as `viewer` reads it. */
export function readerPostOf(row: PublishedRow, viewer: Viewer): ReaderPost {
  const { tagList, authorList, ...post } = row;
  return toReaderPost(post, tagList, authorList, viewer);
}

/** The post page's query, built once per database handle and prepared on each connection. */
const preparedPostBySlug = new WeakMap<object, ReturnType<typeof preparePostBySlug>>();
function postBySlug(db: DatabaseLike) {
  let prepared = preparedPostBySlug.get(db);
  if (!prepared) {
    prepared = preparePostBySlug(db);
    preparedPostBySlug.set(db, prepared);
  }
  return prepared;
}
function preparePostBySlug(db: DatabaseLike) {
  return db
    .select({ ...readerColumns, tagList: tagListOf(), authorList: authorListOf() })
    .from(posts)
    .where(and(eq(posts.slug, sql.placeholder('slug')), isLive()))
    .orderBy(desc(sql`${posts.type} = 'post'`))
    .limit(1)
    .prepare('blog_post_by_slug');
}

/**
 * A post's public tags in Ghost's order, as JSON. Written out with aliases: Drizzle leaves
 * column names unqualified in a one-table select, which a correlated subquery cannot have.
 */
function tagListOf(): SQL<{ slug: string; name: string }[]> {
  return sql<{ slug: string; name: string }[]>`coalesce((
    select json_agg(json_build_object('slug', t.slug, 'name', t.name) order by pt.sort_order)
    from posts_tags pt join tags t on t.id = pt.tag_id
    where pt.post_id = ${sql.raw('"posts"."id"')} and t.visibility = 'public'), '[]'::json)`;
}

/** A post's authors in Ghost's order (or its primary author alone, for older rows), as JSON. */
function authorListOf(): SQL<PostAuthor[]> {
  return sql<PostAuthor[]>`coalesce((
    select json_agg(json_build_object('id', a.id, 'slug', a.slug, 'name', a.name) order by pa.sort_order)
    from posts_authors pa join authors a on a.id = pa.author_id
    where pa.post_id = ${sql.raw('"posts"."id"')}), (
    select json_agg(json_build_object('id', a.id, 'slug', a.slug, 'name', a.name))
    from authors a where a.id = ${sql.raw('"posts"."primary_author_id"')}), '[]'::json)`;
}

export async function getTag(db: DatabaseLike, slug: string) {
  const [tag] = await db
    .select()
    .from(tags)
    .where(and(eq(tags.slug, slug), eq(tags.visibility, 'public')))
    .limit(1);
  return tag ?? null;
}

export async function getAuthor(db: DatabaseLike, slug: string) {
  const [author] = await db.select().from(authors).where(eq(authors.slug, slug)).limit(1);
  return author ?? null;
}

export async function listPublicTags(db: DatabaseLike) {
  return db.select().from(tags).where(eq(tags.visibility, 'public')).orderBy(tags.name);
}

export async function listAuthors(db: DatabaseLike) {
  return db.select().from(authors).orderBy(authors.name);
}

export interface SearchHit {
  post: ReaderPost;
  /** HTML with matches wrapped in <mark>; everything else escaped by Postgres' ts_headline input. */
  snippet: string;
}

/**
 * Full-text search over published posts and pages (weighted tsvector + GIN), ranked, with
 * highlighted snippets. The query is parsed with websearch_to_tsquery, so any input is safe.
 */
export async function searchPublished(
  db: DatabaseLike,
  q: string,
  options: { page?: number; perPage?: number } = {},
): Promise<Page<SearchHit>> {
  const perPage = options.perPage ?? 10;
  const page = Math.max(1, options.page ?? 1);
  const query = sql`websearch_to_tsquery('english', ${q})`;
  const where = and(isLive(), sql`${posts.search} @@ ${query}`);
  const total = await db.$count(posts, where);
  const rows = await db
    .select({
      post: readerColumns,
      // The plaintext is escaped before highlighting so a post's text can never inject markup.
      snippet: sql<string>`ts_headline('english', replace(replace(replace(coalesce(${posts.plaintext}, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), ${query}, 'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2')`,
    })
    .from(posts)
    .where(where)
    .orderBy(sql`ts_rank(${posts.search}, ${query}) desc`, desc(posts.publishedAt))
    .limit(perPage)
    .offset((page - 1) * perPage);
  const decorated = await decorate(
    db,
    rows.map((r) => r.post),
  );
  return {
    items: decorated.map((post, i) => ({ post, snippet: rows[i]!.snippet })),
    page,
    pages: Math.max(1, Math.ceil(total / perPage)),
    total,
  };
}

/** Tags and authors for a list of posts: two queries for the whole list. */
async function decorate(
  db: DatabaseLike,
  rows: PostRow[],
  viewer: Viewer = ANONYMOUS,
): Promise<ReaderPost[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const tagRows = await db
    .select({ postId: postsTags.postId, slug: tags.slug, name: tags.name })
    .from(postsTags)
    .innerJoin(tags, eq(tags.id, postsTags.tagId))
    .where(and(inArray(postsTags.postId, ids), eq(tags.visibility, 'public')))
    .orderBy(postsTags.sortOrder);
  const authorRows = await db
    .select({ postId: postsAuthors.postId, id: authors.id, slug: authors.slug, name: authors.name })
    .from(postsAuthors)
    .innerJoin(authors, eq(authors.id, postsAuthors.authorId))
    .where(inArray(postsAuthors.postId, ids))
    .orderBy(postsAuthors.sortOrder);
  // Rows written before the authors list existed may carry only the primary author.
  const primaryIds = rows
    .filter((r) => r.primaryAuthorId !== null && !authorRows.some((a) => a.postId === r.id))
    .map((r) => r.primaryAuthorId as number);
  const primaryRows = primaryIds.length
    ? await db
        .select({ id: authors.id, slug: authors.slug, name: authors.name })
        .from(authors)
        .where(inArray(authors.id, primaryIds))
    : [];
  return rows.map((r) => {
    const listed = authorRows
      .filter((a) => a.postId === r.id)
      .map(({ id, slug, name }) => ({ id, slug, name }));
    const primary = primaryRows.find((a) => a.id === r.primaryAuthorId);
    return toReaderPost(
      r,
      tagRows.filter((t) => t.postId === r.id).map(({ slug, name }) => ({ slug, name })),
      listed.length ? listed : primary ? [primary] : [],
      viewer,
    );
  });
}

function wordCount(text: string | null): number {
  return (text ?? '').split(/\s+/).filter(Boolean).length;
}

/** A post row as readers see it: what this viewer may read of it, with its tags and authors. */
function toReaderPost(
  r: PostRow,
  postTags: { slug: string; name: string }[],
  postAuthors: PostAuthor[],
  viewer: Viewer,
): ReaderPost {
  const audience = audienceOf(r.visibility);
  const whole = audience === 'public' || (audience === 'members' && viewer.signedIn) || viewer.staff;
  return {
    id: r.id,
    uuid: r.uuid,
    type: r.type,
    slug: r.slug,
    title: r.title,
    html: whole ? fullHtml(r.html) : publicHtml(r.html, r.visibility),
    visibility: r.visibility,
    locked: whole ? null : audience === 'paid' ? ('paid' as const) : ('members' as const),
    excerpt: r.customExcerpt ?? r.excerpt ?? (r.plaintext ? truncate(r.plaintext, 200) : null),
    featureImage: r.featureImage,
    featureImageAlt: r.featureImageAlt,
    featureImageCaption: sanitizeCaptionHtml(r.featureImageCaption),
    publishedAt: r.publishedAt,
    // Ghost's own time for a synced post (article:modified_time, the sitemap), not our sync's.
    updatedAt: r.ghostUpdatedAt ?? r.updatedAt,
    // Ghost says 0 for very short posts; readers expect "1 min read".
    readingTime: Math.max(1, r.readingTime ?? Math.round(wordCount(r.plaintext) / WORDS_PER_MINUTE)),
    metaTitle: r.metaTitle,
    metaDescription: r.metaDescription,
    ogImage: r.ogImage,
    twitterImage: r.twitterImage,
    canonicalUrl: r.canonicalUrl,
    author: postAuthors[0] ?? null,
    authors: postAuthors,
    tags: postTags,
  };
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 20))}…`;
}
