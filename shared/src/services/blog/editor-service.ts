import { and, asc, desc, eq, inArray, lte, ne, or, sql } from 'drizzle-orm';
import type { EditorActionDto, PostInputDto } from '../../contracts/dtos.ts';
import type { DatabaseLike } from '../../db/client.ts';
import {
  authors,
  type Post,
  type PostStatus,
  type PostType,
  posts,
  postsAuthors,
  postsTags,
  tags,
} from '../../db/schema/index.ts';
import { htmlToText } from '../../infrastructure/html-text.ts';
import { temporal } from '../../infrastructure/temporal.ts';
import { fullHtml, publicPlaintext, sanitizePostHtml } from './ghost-html.ts';

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

export async function listAdminPosts(db: DatabaseLike, status?: PostStatus, type: PostType = 'post') {
  return db
    .select({
      id: posts.id,
      type: posts.type,
      title: posts.title,
      slug: posts.slug,
      status: posts.status,
      publishedAt: posts.publishedAt,
      updatedAt: posts.updatedAt,
      ghostId: posts.ghostId,
    })
    .from(posts)
    .where(and(eq(posts.type, type), status ? eq(posts.status, status) : undefined))
    .orderBy(desc(posts.updatedAt));
}

/** A post or a page (Ghost's pages are edited here too), with its tag names in order. */
export async function getEditablePost(db: DatabaseLike, id: number) {
  const [post] = await db.select().from(posts).where(eq(posts.id, id)).limit(1);
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
 * When the editor's action would publish the post (`publish`: now, keeping an earlier
 * publication time; `schedule`: at the typed time, which must be in the future), or an
 * `invalid_schedule`. Computed before anything is written, Ghost included.
 */
export function plannedPublication(
  action: EditorAction,
  input: Pick<PostInput, 'publishAt'>,
  existing: Pick<Post, 'status' | 'publishedAt'> | null,
  timezone: string,
  now = new Date(),
): { ok: true; status: PostStatus; publishedAt: Date | null } | { ok: false } {
  let status: PostStatus = existing?.status ?? 'draft';
  let publishedAt = existing?.publishedAt ?? null;
  if (action === 'publish') {
    status = 'published';
    publishedAt = existing?.status === 'published' && publishedAt ? publishedAt : now;
  } else if (action === 'schedule') {
    const at = parseLocalDateTime(input.publishAt, timezone);
    if (!at || at.getTime() <= now.getTime()) return { ok: false };
    status = 'scheduled';
    publishedAt = at;
  } else if (action === 'unpublish') {
    status = 'draft';
  }
  return { ok: true, status, publishedAt };
}

/**
 * Creates or updates a post (or page) from the editor and applies the action (save keeps the
 * status, publish makes it live now, schedule sets a future publish time, unpublish returns it
 * to draft). HTML is sanitised on the way in; slugs are unique across posts and pages (they
 * share Ghost's URL space).
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
    if (args.id && !existing) return { ok: false, reason: 'not_found' };
    const planned = plannedPublication(args.action, input, existing ?? null, args.timezone, now);
    if (!planned.ok) return { ok: false, reason: 'invalid_schedule' };
    const { status, publishedAt } = planned;

    const html = sanitizePostHtml(input.html) ?? '';
    const visibility = existing?.visibility ?? 'public';
    const plaintext = publicPlaintext(html, null, visibility) ?? '';
    const words = htmlToText(fullHtml(html) ?? '')
      .split(/\s+/)
      .filter(Boolean).length;
    const slug = await uniqueSlug(tx, input.slug || slugify(input.title), existing?.id ?? null);
    const values = {
      type: existing?.type ?? input.type ?? 'post',
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
  const [deleted] = await db.delete(posts).where(eq(posts.id, id)).returning();
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

/** Posts and pages share one URL space (`/<slug>/`), as in Ghost: a post never hides a page. */
async function uniqueSlug(db: DatabaseLike, wanted: string, ownId: number | null): Promise<string> {
  const base = wanted.slice(0, 180);
  const taken = await db
    .select({ slug: posts.slug })
    .from(posts)
    .where(
      and(
        sql`(${posts.slug} = ${base} or ${posts.slug} like ${`${base}-%`})`,
        ownId ? ne(posts.id, ownId) : undefined,
      ),
    );
  const set = new Set(taken.map((t) => t.slug));
  if (!set.has(base)) return base;
  for (let n = 2; ; n++) if (!set.has(`${base}-${n}`)) return `${base}-${n}`;
}

/**
 * The slug Ghost gives a tag name: Ghost's internal tags (`#hidden`) become `hash-hidden`.
 * Exported for the write-back, which looks tags up the same way.
 */
export function tagSlug(name: string): string {
  return name.startsWith('#') ? `hash-${slugify(name.slice(1))}` : slugify(name);
}

/** Splits the editor's comma-separated tag field (at most 20, de-duplicated by slug). */
export function tagList(list: string): { name: string; slug: string }[] {
  const bySlug = new Map<string, string>();
  for (const raw of list.split(',')) {
    const name = raw.trim();
    if (name && bySlug.size < 20 && !bySlug.has(tagSlug(name))) bySlug.set(tagSlug(name), name);
  }
  return [...bySlug].map(([slug, name]) => ({ slug, name }));
}

/**
 * Sets a post's tags from the editor's list. A name matches an existing tag by name first (a
 * Ghost tag's slug need not follow from its name), then by slug; new ones are created, and a
 * `#name` is one of Ghost's internal tags: never shown to readers.
 */
async function setTags(db: DatabaseLike, postId: number, list: string) {
  const wanted = tagList(list);
  await db.delete(postsTags).where(eq(postsTags.postId, postId));
  if (!wanted.length) return;
  const existing = await db
    .select({ id: tags.id, slug: tags.slug, name: tags.name })
    .from(tags)
    .where(
      or(
        inArray(
          tags.name,
          wanted.map((w) => w.name),
        ),
        inArray(
          tags.slug,
          wanted.map((w) => w.slug),
        ),
      ),
    );
  const ids: number[] = [];
  for (const w of wanted) {
    let id = (existing.find((t) => t.name === w.name) ?? existing.find((t) => t.slug === w.slug))?.id;
    if (id === undefined) {
      const internal = w.name.startsWith('#');
      await db
        .insert(tags)
        .values({ slug: w.slug, name: w.name, visibility: internal ? 'internal' : 'public' })
        .onConflictDoNothing({ target: tags.slug });
      const [row] = await db.select({ id: tags.id }).from(tags).where(eq(tags.slug, w.slug));
      id = row!.id;
    }
    if (!ids.includes(id)) ids.push(id);
  }
  await db.insert(postsTags).values(ids.map((tagId, sortOrder) => ({ postId, tagId, sortOrder })));
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
      return new Date(temporal().Instant.from(value).epochMilliseconds);
    }
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(value)) return null;
    const zoned = temporal().PlainDateTime.from(value, { overflow: 'reject' }).toZonedDateTime(timeZone, {
      disambiguation: 'compatible',
    });
    return new Date(zoned.epochMilliseconds);
  } catch {
    return null;
  }
}

/** A Date as the wall time of a datetime-local field in `timeZone` (`2026-12-01T18:30`). */
export function toLocalDateTime(date: Date, timeZone: string): string {
  return temporal()
    .Instant.fromEpochMilliseconds(date.getTime())
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
