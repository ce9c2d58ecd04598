import { and, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../../config/index.ts';
import type { FederationService } from '../../contracts/protocols.ts';
import { PAGE_TAGS } from '../../contracts/widgets.ts';
import type { Database, DatabaseLike } from '../../db/client.ts';
import { authors, type Post, posts, tags } from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { purgePageCache } from '../../infrastructure/page-cache.ts';
import {
  deletePost as deleteRow,
  type EditorAction,
  getEditablePost,
  type PostInput,
  plannedPublication,
  publishDuePosts,
  savePost,
  tagList,
} from './editor-service.ts';
import { GhostApiError, type GhostClient, type GhostPost } from './ghost-client.ts';
import { sanitizePostHtml } from './ghost-html.ts';
import { applyPost, Counter } from './ghost-sync.ts';
import { emitPostActivity } from './post-activities.ts';
import { postsChanged } from './post-memo.ts';

export interface PublishingDeps {
  db: Database;
  cache: Cache;
  config: AppConfig;
  ghost: GhostClient | null;
  federation: FederationService | null;
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
}

export type PublishResult =
  | { ok: true; post: Post; ghostWarning?: string }
  | {
      ok: false;
      reason: 'conflict' | 'invalid_schedule' | 'not_found' | 'ghost_rejected' | 'ghost_error';
      message: string;
    };

type GhostFailure = Extract<PublishResult, { ok: false }>;

/**
 * What a Ghost error means for the person at the editor, one message per kind: only a real
 * `updated_at` collision says "changed in Ghost"; a validation error quotes Ghost's message.
 */
export function ghostFailure(err: unknown, doing = 'saved'): GhostFailure {
  if (!(err instanceof GhostApiError)) {
    return {
      ok: false,
      reason: 'ghost_error',
      message: `Ghost could not be reached, so nothing was ${doing}. Try again in a moment.`,
    };
  }
  if (err.isCollision) {
    return {
      ok: false,
      reason: 'conflict',
      message: 'This post was changed in Ghost since you opened it — reload to see the latest version.',
    };
  }
  if (err.status === 422 || err.status === 400 || err.type === 'ValidationError') {
    return {
      ok: false,
      reason: 'ghost_rejected',
      message: `Ghost refused the change: ${err.message.replace(/\.?$/, '.')} Nothing was ${doing}.`,
    };
  }
  if (err.status === 404) {
    return {
      ok: false,
      reason: 'ghost_rejected',
      message: `This post no longer exists in Ghost (it was deleted there), so nothing was ${doing}; the next sync removes it here.`,
    };
  }
  if (err.status === 401 || err.status === 403) {
    return {
      ok: false,
      reason: 'ghost_error',
      message: `Ghost refused the blog's Admin API key (check GHOST_ADMIN_API_KEY), so nothing was ${doing}.`,
    };
  }
  if (err.status === 429) {
    return {
      ok: false,
      reason: 'ghost_error',
      message: `Ghost is limiting requests right now, so nothing was ${doing}. Try again in a minute.`,
    };
  }
  return {
    ok: false,
    reason: 'ghost_error',
    message: `Ghost answered with an error (${err.status}: ${err.message}), so nothing was ${doing}.`,
  };
}

/**
 * Saves a post (or page) from the editor and carries the change everywhere it must go: Ghost
 * (written first for synced posts, so a refusal loses nothing and changes nothing locally), the
 * page cache, and the fediverse (`Create` on publish, `Update` on edits of a published post,
 * `Delete` when it stops being public). After a write, Ghost's answer is the truth: its slug,
 * status, times, tags and authors replace ours, so the next sync finds both sides equal.
 */
export async function saveFromEditor(
  deps: PublishingDeps,
  args: { id: number | null; input: PostInput; action: EditorAction; authorId: number | null },
): Promise<PublishResult> {
  const current = args.id ? await getEditablePost(deps.db, args.id) : null;
  if (args.id && !current) return { ok: false, reason: 'not_found', message: 'That post no longer exists' };
  const planned = plannedPublication(args.action, args.input, current, deps.config.site.timezone);
  if (!planned.ok) {
    return {
      ok: false,
      reason: 'invalid_schedule',
      message: 'Choose a publish time in the future to schedule.',
    };
  }
  const type = current?.type ?? args.input.type ?? 'post';
  const resource = type === 'page' ? 'pages' : 'posts';

  let written: GhostPost | null = null;
  if (deps.ghost && current?.ghostId) {
    // Ghost first: a refusal must leave our copy as it was, with the typed text still in the form.
    const expected = args.input.ghostUpdatedAt || current.ghostUpdatedAt?.toISOString();
    try {
      written = await deps.ghost.editPost(resource, current.ghostId, {
        ...(await ghostBody(deps.db, args.input, args.action, planned)),
        updated_at: expected ?? '',
      });
    } catch (err) {
      const failure = ghostFailure(err);
      if (failure.reason === 'ghost_error') deps.log.error({ err }, 'ghost write-back failed');
      return failure;
    }
  }

  const saved = await savePost(deps.db, {
    id: args.id,
    input: args.input,
    action: args.action,
    authorId: args.authorId,
    timezone: deps.config.site.timezone,
  });
  if (!saved.ok) {
    return saved.reason === 'invalid_schedule'
      ? { ok: false, reason: 'invalid_schedule', message: 'Choose a publish time in the future to schedule.' }
      : { ok: false, reason: 'not_found', message: 'That post no longer exists' };
  }
  let post = saved.post;
  let ghostWarning: string | undefined;
  if (deps.ghost && !post.ghostId) {
    try {
      written = await deps.ghost.createPost(resource, {
        ...(await ghostBody(deps.db, args.input, args.action, planned)),
        slug: post.slug,
        ...(await ghostAuthors(deps.db, args.authorId)),
      });
      [post] = (await deps.db
        .update(posts)
        .set({ ghostId: written.id })
        .where(eq(posts.id, post.id))
        .returning()) as [Post];
    } catch (err) {
      deps.log.warn({ err }, 'post saved locally but not created in Ghost');
      ghostWarning = `Saved here, but not in Ghost: ${ghostFailure(err).message} Save again to retry.`;
    }
  }
  if (deps.ghost && written) {
    // Ghost's answer is the truth (a de-duplicated slug, the status it really took, its times,
    // internal tags, authors): apply it exactly as a sync would.
    await applyPost({ db: deps.db, ghost: deps.ghost, log: deps.log }, type, written, new Counter(), {
      source: 'write',
    });
    [post] = (await deps.db.select().from(posts).where(eq(posts.id, post.id))) as [Post];
    if (post.status !== planned.status) {
      ghostWarning = `Ghost made this ${type} ${post.status}, not ${planned.status}; the blog shows what Ghost did.`;
    } else if (args.input.slug && post.slug !== args.input.slug) {
      ghostWarning = `Ghost already uses “${args.input.slug}”, so this ${type} lives at /${post.slug}/.`;
    }
  }

  await afterChange(deps, post, saved.previousStatus, current?.slug ?? null);
  return { ok: true, post, ...(ghostWarning ? { ghostWarning } : {}) };
}

/** The fields the editor owns, as Ghost's Admin API takes them (HTML converted by `?source=html`). */
async function ghostBody(
  db: DatabaseLike,
  input: PostInput,
  action: EditorAction,
  planned: { status: Post['status']; publishedAt: Date | null },
): Promise<Record<string, unknown>> {
  return {
    title: input.title,
    ...(input.slug ? { slug: input.slug } : {}),
    html: sanitizePostHtml(input.html) ?? '',
    custom_excerpt: input.excerpt || null,
    feature_image: input.featureImage || null,
    feature_image_alt: input.featureImageAlt || null,
    status: planned.status,
    // Ghost schedules only with a future published_at: without one it refuses a never-published
    // draft (422) and publishes a once-published post at once (its old time is in the past).
    ...(action === 'schedule' && planned.publishedAt
      ? { published_at: planned.publishedAt.toISOString() }
      : {}),
    tags: await ghostTags(db, input.tags),
  };
}

/**
 * Tags as Ghost takes them: ones Ghost knows by id (internal `#tags` stay internal), new ones
 * by name (Ghost makes a `#name` internal itself).
 */
async function ghostTags(db: DatabaseLike, list: string): Promise<{ id?: string; name: string }[]> {
  const wanted = tagList(list);
  if (!wanted.length) return [];
  const known = await db
    .select({ ghostId: tags.ghostId, name: tags.name, slug: tags.slug })
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
  return wanted.map((w) => {
    const tag = known.find((t) => t.name === w.name) ?? known.find((t) => t.slug === w.slug);
    return tag?.ghostId ? { id: tag.ghostId, name: tag.name } : { name: w.name };
  });
}

/**
 * The writer as Ghost staff, matched by e-mail (the authors pulled from Ghost carry it): without
 * it Ghost makes the integration's owner the author. No match: Ghost's default stands.
 */
async function ghostAuthors(
  db: DatabaseLike,
  authorId: number | null,
): Promise<{ authors?: { id: string }[] }> {
  if (!authorId) return {};
  const [writer] = await db.select({ email: authors.email }).from(authors).where(eq(authors.id, authorId));
  if (!writer?.email) return {};
  const [staff] = await db
    .select({ ghostId: authors.ghostId })
    .from(authors)
    .where(and(sql`lower(${authors.email}) = lower(${writer.email})`, isNotNull(authors.ghostId)))
    .limit(1);
  return staff?.ghostId ? { authors: [{ id: staff.ghostId }] } : {};
}

export async function removePost(deps: PublishingDeps, id: number): Promise<PublishResult> {
  const current = await getEditablePost(deps.db, id);
  if (!current) return { ok: false, reason: 'not_found', message: 'That post no longer exists' };
  if (deps.ghost && current.ghostId) {
    try {
      await deps.ghost.deletePost(current.type === 'page' ? 'pages' : 'posts', current.ghostId);
    } catch (err) {
      if (!(err instanceof GhostApiError && err.status === 404)) {
        deps.log.error({ err }, 'ghost delete failed');
        return ghostFailure(err, 'deleted');
      }
    }
  }
  const deleted = await deleteRow(deps.db, id);
  if (!deleted) return { ok: false, reason: 'not_found', message: 'That post no longer exists' };
  await afterChange(deps, { ...deleted, status: 'draft' }, deleted.status, deleted.slug);
  return { ok: true, post: deleted };
}

/**
 * Purges the pages that show the post and tells the fediverse. Also used by Ghost sync, so a
 * change made in Ghost is announced exactly like one made here.
 */
export async function afterChange(
  deps: Pick<PublishingDeps, 'cache' | 'config' | 'federation'> & { db: DatabaseLike },
  post: Post,
  previousStatus: Post['status'] | null,
  previousSlug: string | null,
) {
  await postsChanged(deps.cache);
  await purgePageCache(deps.cache, [
    PAGE_TAGS.blogPosts,
    PAGE_TAGS.blogPost(post.slug),
    ...(previousSlug && previousSlug !== post.slug ? [PAGE_TAGS.blogPost(previousSlug)] : []),
  ]);
  if (deps.federation && post.type === 'post') {
    await emitPostActivity(deps, post, previousStatus);
  }
}

/**
 * Publishes scheduled posts whose time has come and announces them (the
 * `blog.publish-scheduled` job runs it every minute). One UPDATE … WHERE status = 'scheduled':
 * a concurrent run waits on the row and then finds it published, so a post goes out once.
 */
export async function publishDue(deps: PublishingDeps, now = new Date()): Promise<number> {
  const published = await deps.db.transaction(async (tx) => {
    const due = await publishDuePosts(tx, now);
    for (const post of due) {
      await afterChange({ ...deps, db: tx }, post, 'scheduled', post.slug);
    }
    return due.length;
  });
  // Again once committed: a post view between the first token and the commit read the old row.
  if (published) await postsChanged(deps.cache);
  return published;
}
