import { Temporal } from '@js-temporal/polyfill';
import { and, asc, desc, eq, inArray, lte, ne, sql } from 'drizzle-orm';
import type { EditorActionDto, PostInputDto } from '../../contracts/dtos.ts';
import type { DatabaseLike } from '../../db/client.ts';
import {
  authors,
  type Post,
  type PostStatus,
  posts,
  postsAuthors,
  postsTags,
  tags,
} from '../../db/schema/index.ts';
import { sanitizePostHtml } from './ghost-html.ts';

export type PostInput = PostInputDto;
export type EditorAction = EditorActionDto;

export const WORDS_PER_MINUTE = 265;

export function slugify(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 180) || 'post'
  );
}

/** Plain text of sanitised HTML, for search, excerpts and reading time. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(br|\/p|\/h\d|\/li|\/blockquote|\/pre|\/figure)\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export async function listAdminPosts(db: DatabaseLike, status?: PostStatus) {
  return db
    .select({
      id: posts.id,
      title: posts.title,
      slug: posts.slug,
      status: posts.status,
      publishedAt: posts.publishedAt,
      updatedAt: posts.updatedAt,
      ghostId: posts.ghostId,
    })
    .from(posts)
    .where(and(eq(posts.type, 'post'), status ? eq(posts.status, status) : undefined))
    .orderBy(desc(posts.updatedAt));
}

export async function getEditablePost(db: DatabaseLike, id: number) {
  const [post] = await db
    .select()
    .from(posts)
    .where(and(eq(posts.id, id), eq(posts.type, 'post')))
    .limit(1);
  if (!post) return null;
  const tagRows = await db
    .select({ name: tags.name })
    .from(postsTags)
    .innerJoin(tags, eq(tags.id, postsTags.tagId))
    .where(eq(postsTags.postId, id))
    .orderBy(asc(postsTags.sortOrder));
  return { ...post, tagNames: tagRows.map((t) => t.name) };
}

export type SaveResult =
  | { ok: true; post: Post; previousStatus: PostStatus | null }
  | { ok: false; reason: 'invalid_schedule' | 'not_found' };

/**
 * Creates or updates a post from the editor and applies the action (save keeps the status,
 * publish makes it live now, schedule sets a future publish time, unpublish returns it to
 * draft). HTML is sanitised on the way in; slugs are unique per type.
 */
export async function savePost(
  db: DatabaseLike,
  args: {
    id: number | null;
    input: PostInput;
    action: EditorAction;
    authorId: number | null;
    timezone: string;
    now?: Date;
  },
): Promise<SaveResult> {
  const now = args.now ?? new Date();
  const { input } = args;
  return db.transaction(async (tx) => {
    const existing = args.id
      ? (await tx.select().from(posts).where(eq(posts.id, args.id)).limit(1))[0]
      : undefined;
    if (args.id && existing?.type !== 'post') return { ok: false, reason: 'not_found' };

    let status: PostStatus = existing?.status ?? 'draft';
    let publishedAt = existing?.publishedAt ?? null;
    if (args.action === 'publish') {
      status = 'published';
      publishedAt = existing?.status === 'published' && publishedAt ? publishedAt : now;
    } else if (args.action === 'schedule') {
      const at = parseLocalDateTime(input.publishAt, args.timezone);
      if (!at || at.getTime() <= now.getTime()) return { ok: false, reason: 'invalid_schedule' };
      status = 'scheduled';
      publishedAt = at;
    } else if (args.action === 'unpublish') {
      status = 'draft';
    }

    const html = sanitizePostHtml(input.html) ?? '';
    const plaintext = htmlToText(html);
    const words = plaintext.split(/\s+/).filter(Boolean).length;
    const slug = await uniqueSlug(tx, input.slug || slugify(input.title), existing?.id ?? null);
    const values = {
      type: 'post' as const,
      title: input.title,
      slug,
      html,
      plaintext,
      customExcerpt: input.excerpt || null,
      excerpt: input.excerpt || plaintext.slice(0, 300) || null,
      featureImage: input.featureImage || null,
      featureImageAlt: input.featureImageAlt || null,
      status,
      publishedAt,
      readingTime: Math.max(1, Math.round(words / WORDS_PER_MINUTE)),
      ...(args.authorId && !existing ? { primaryAuthorId: args.authorId } : {}),
    };
    const [saved] = existing
      ? await tx.update(posts).set(values).where(eq(posts.id, existing.id)).returning()
      : await tx.insert(posts).values(values).returning();
    await setTags(tx, saved!.id, input.tags);
    if (args.authorId && !existing)
      await tx.insert(postsAuthors).values({ postId: saved!.id, authorId: args.authorId });
    return { ok: true, post: saved!, previousStatus: existing?.status ?? null };
  });
}

export async function deletePost(db: DatabaseLike, id: number): Promise<Post | null> {
  const [deleted] = await db
    .delete(posts)
    .where(and(eq(posts.id, id), eq(posts.type, 'post')))
    .returning();
  return deleted ?? null;
}

/** Scheduled posts whose time has come become published; returns them (to announce). */
export async function publishDuePosts(db: DatabaseLike, now = new Date()): Promise<Post[]> {
  return db
    .update(posts)
    .set({ status: 'published' })
    .where(and(eq(posts.status, 'scheduled'), lte(posts.publishedAt, now)))
    .returning();
}

async function uniqueSlug(db: DatabaseLike, wanted: string, ownId: number | null): Promise<string> {
  const base = wanted.slice(0, 180);
  const taken = await db
    .select({ slug: posts.slug })
    .from(posts)
    .where(
      and(
        eq(posts.type, 'post'),
        sql`(${posts.slug} = ${base} or ${posts.slug} like ${`${base}-%`})`,
        ownId ? ne(posts.id, ownId) : undefined,
      ),
    );
  const set = new Set(taken.map((t) => t.slug));
  if (!set.has(base)) return base;
  for (let n = 2; ; n++) if (!set.has(`${base}-${n}`)) return `${base}-${n}`;
}

async function setTags(db: DatabaseLike, postId: number, list: string) {
  const names = [
    ...new Map(
      list
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
        .slice(0, 20)
        .map((n) => [slugify(n), n] as const),
    ),
  ];
  await db.delete(postsTags).where(eq(postsTags.postId, postId));
  if (!names.length) return;
  for (const [slug, name] of names) {
    await db.insert(tags).values({ slug, name }).onConflictDoNothing({ target: tags.slug });
  }
  const rows = await db
    .select({ id: tags.id, slug: tags.slug })
    .from(tags)
    .where(
      inArray(
        tags.slug,
        names.map(([s]) => s),
      ),
    );
  await db
    .insert(postsTags)
    .values(
      names.map(([slug], sortOrder) => ({ postId, tagId: rows.find((r) => r.slug === slug)!.id, sortOrder })),
    );
}

/**
 * `2026-12-01T18:30` (a datetime-local value: wall time in `timeZone`) or a full ISO string with
 * an offset, to a Date; null when unparseable. A wall time that falls in a DST gap or overlap
 * resolves as most calendars do (Temporal's "compatible").
 */
export function parseLocalDateTime(value: string, timeZone: string): Date | null {
  if (!value) return null;
  try {
    if (/[zZ]|[+-]\d\d:\d\d$/.test(value)) {
      return new Date(Temporal.Instant.from(value).epochMilliseconds);
    }
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(value)) return null;
    const zoned = Temporal.PlainDateTime.from(value, { overflow: 'reject' }).toZonedDateTime(timeZone, {
      disambiguation: 'compatible',
    });
    return new Date(zoned.epochMilliseconds);
  } catch {
    return null;
  }
}

/** A Date as the wall time of a datetime-local field in `timeZone` (`2026-12-01T18:30`). */
export function toLocalDateTime(date: Date, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(date.getTime())
    .toZonedDateTimeISO(timeZone)
    .toPlainDateTime()
    .toString({ smallestUnit: 'minute' });
}

/** The writer's author record, created from their account the first time they write. */
export async function authorFor(
  db: DatabaseLike,
  writer: { userId: number; email: string; name: string | null; username: string | null },
): Promise<number | null> {
  const [existing] = await db
    .select({ id: authors.id })
    .from(authors)
    .where(eq(authors.email, writer.email))
    .limit(1);
  if (existing) return existing.id;
  const local = writer.email.split('@')[0] ?? 'author';
  const base = slugify(writer.username ?? writer.name ?? local);
  const [created] = await db
    .insert(authors)
    .values({ slug: `${base}-${writer.userId}`, name: writer.name ?? local, email: writer.email })
    .onConflictDoNothing()
    .returning({ id: authors.id });
  return created?.id ?? null;
}
