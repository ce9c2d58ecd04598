import { eq } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../../config/index.ts';
import type { FederationService } from '../../contracts/protocols.ts';
import { PAGE_TAGS } from '../../contracts/widgets.ts';
import type { Database, DatabaseLike } from '../../db/client.ts';
import { ghostSyncState, type Post, posts } from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { purgePageCache } from '../../infrastructure/page-cache.ts';
import {
  deletePost as deleteRow,
  type EditorAction,
  getEditablePost,
  type PostInput,
  publishDuePosts,
  savePost,
} from './editor-service.ts';
import { GhostApiError, type GhostClient } from './ghost-client.ts';
import { emitPostActivity } from './post-activities.ts';

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
  | { ok: false; reason: 'conflict' | 'invalid_schedule' | 'not_found' | 'ghost_error'; message: string };

/** Key under which we remember the `updated_at` of our own write, so Ghost's echo is a no-op. */
export const echoKey = (ghostId: string) => `echo:${ghostId}`;

/**
 * Saves a post from the editor and carries the change everywhere it must go: Ghost (written
 * first for synced posts, so a collision loses nothing and changes nothing locally), the page
 * cache, and the fediverse (`Create` on publish, `Update` on edits of a published post,
 * `Delete` when it stops being public).
 */
export async function saveFromEditor(
  deps: PublishingDeps,
  args: { id: number | null; input: PostInput; action: EditorAction; authorId: number | null },
): Promise<PublishResult> {
  const current = args.id ? await getEditablePost(deps.db, args.id) : null;
  if (args.id && !current) return { ok: false, reason: 'not_found', message: 'That post no longer exists' };

  let ghostUpdatedAt: string | null = null;
  if (deps.ghost && current?.ghostId) {
    // Ghost first: a 409 must leave our copy as it was, with the typed text still in the form.
    const expected = args.input.ghostUpdatedAt || current.ghostUpdatedAt?.toISOString();
    try {
      const written = await deps.ghost.editPost('posts', current.ghostId, {
        title: args.input.title,
        ...(args.input.slug ? { slug: args.input.slug } : {}),
        html: args.input.html,
        custom_excerpt: args.input.excerpt || null,
        feature_image: args.input.featureImage || null,
        status: ghostStatus(args.action, current.status),
        tags: splitTags(args.input.tags).map((name) => ({ name })),
        updated_at: expected ?? '',
      });
      ghostUpdatedAt = written.updated_at;
    } catch (err) {
      if (err instanceof GhostApiError && (err.isCollision || err.status === 422)) {
        return {
          ok: false,
          reason: 'conflict',
          message: 'This post was changed in Ghost since you opened it — reload to see the latest version.',
        };
      }
      deps.log.error({ err }, 'ghost write-back failed');
      return {
        ok: false,
        reason: 'ghost_error',
        message: 'Ghost did not accept the change; nothing was saved.',
      };
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
      const created = await deps.ghost.createPost('posts', {
        title: post.title,
        slug: post.slug,
        html: post.html ?? '',
        custom_excerpt: post.customExcerpt,
        feature_image: post.featureImage,
        status: ghostStatus(args.action, 'draft'),
        ...(post.status === 'scheduled' && post.publishedAt
          ? { published_at: post.publishedAt.toISOString() }
          : {}),
        tags: splitTags(args.input.tags).map((name) => ({ name })),
      });
      ghostUpdatedAt = created.updated_at;
      [post] = (await deps.db
        .update(posts)
        .set({ ghostId: created.id })
        .where(eq(posts.id, post.id))
        .returning()) as [Post];
      await rememberEcho(deps.db, created.id, created.updated_at);
    } catch (err) {
      deps.log.warn({ err }, 'post saved locally but not created in Ghost');
      ghostWarning = 'Saved here, but Ghost could not be reached; the next sync will not include this post.';
    }
  }
  const ghostId = post.ghostId;
  if (ghostUpdatedAt && ghostId) {
    [post] = (await deps.db
      .update(posts)
      .set({ ghostUpdatedAt: new Date(ghostUpdatedAt) })
      .where(eq(posts.id, post.id))
      .returning()) as [Post];
    await rememberEcho(deps.db, ghostId, ghostUpdatedAt);
  }

  await afterChange(deps, post, saved.previousStatus, current?.slug ?? null);
  return { ok: true, post, ...(ghostWarning ? { ghostWarning } : {}) };
}

export async function removePost(deps: PublishingDeps, id: number): Promise<PublishResult> {
  const current = await getEditablePost(deps.db, id);
  if (!current) return { ok: false, reason: 'not_found', message: 'That post no longer exists' };
  if (deps.ghost && current.ghostId) {
    try {
      await deps.ghost.deletePost('posts', current.ghostId);
    } catch (err) {
      if (!(err instanceof GhostApiError && err.status === 404)) {
        deps.log.error({ err }, 'ghost delete failed');
        return {
          ok: false,
          reason: 'ghost_error',
          message: 'Ghost did not delete the post; nothing was changed.',
        };
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
  await purgePageCache(deps.cache, [
    PAGE_TAGS.blogPosts,
    PAGE_TAGS.blogPost(post.slug),
    ...(previousSlug && previousSlug !== post.slug ? [PAGE_TAGS.blogPost(previousSlug)] : []),
  ]);
  if (deps.federation && post.type === 'post') {
    await emitPostActivity(deps, post, previousStatus);
  }
}

async function rememberEcho(db: Database, ghostId: string, updatedAt: string) {
  await db
    .insert(ghostSyncState)
    .values({ key: echoKey(ghostId), value: { updatedAt } })
    .onConflictDoUpdate({ target: ghostSyncState.key, set: { value: { updatedAt } } });
}

function ghostStatus(action: EditorAction, current: Post['status']): string {
  if (action === 'publish') return 'published';
  if (action === 'schedule') return 'scheduled';
  if (action === 'unpublish') return 'draft';
  return current;
}

function splitTags(list: string): string[] {
  return list
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

/**
 * Publishes scheduled posts whose time has come and announces them (the
 * `blog.publish-scheduled` job runs it every minute). One UPDATE … WHERE status = 'scheduled':
 * a concurrent run waits on the row and then finds it published, so a post goes out once.
 */
export async function publishDue(deps: PublishingDeps, now = new Date()): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const due = await publishDuePosts(tx, now);
    for (const post of due) {
      await afterChange({ ...deps, db: tx }, post, 'scheduled', post.slug);
    }
    return due.length;
  });
}
