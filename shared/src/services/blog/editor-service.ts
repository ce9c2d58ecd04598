import { and, asc, desc, eq, inArray, lte, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DatabaseLike } from '../../db/client.ts';
import { type Post, type PostStatus, posts, postsAuthors, postsTags, tags } from '../../db/schema/index.ts';
import { sanitizePostHtml } from './ghost-html.ts';

/** What the editor form (or its autosave) sends. */
export const postInputSchema = z.object({
  title: z.string().trim().min(1, 'Give the post a title').max(255),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(190)
    .regex(/^([a-z0-9][a-z0-9-]*)?$/, 'Use lower-case letters, digits and hyphens')
    .default(''),
  html: z.string().max(2_000_000).default(''),
  excerpt: z.string().trim().max(300).default(''),
  tags: z.string().trim().max(1_000).default(''),
  featureImage: z.string().trim().max(2_000).default(''),
  featureImageAlt: z.string().trim().max(255).default(''),
  /** ISO datetime or `YYYY-MM-DDTHH:mm` from a datetime-local field, in the site's time zone. */
  publishAt: z.string().trim().max(40).default(''),
  /** The Ghost `updated_at` the editor loaded, for collision detection on write-back. */
  ghostUpdatedAt: z.string().trim().max(40).default(''),
});
export type PostInput = z.infer<typeof postInputSchema>;

export type EditorAction = 'save' | 'publish' | 'schedule' | 'unpublish';

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
 * `2026-12-01T18:30` (a datetime-local value, wall time in `timeZone`) or a full ISO string
 * to a Date; null when unparseable.
 */
export function parseLocalDateTime(value: string, timeZone: string): Date | null {
  if (!value) return null;
  if (/[zZ]|[+-]\d\d:\d\d$/.test(value)) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  // The zone's offset at that instant, found by formatting the UTC guess in the zone.
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(asUtc));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const zoned = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return new Date(asUtc - (zoned - asUtc));
}
