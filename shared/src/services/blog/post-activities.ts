import { and, asc, eq } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import type { FederationService } from '../../contracts/protocols.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { type Post, postsTags, tags } from '../../db/schema/index.ts';
import { AS_PUBLIC } from '../../infrastructure/activitypub/uris.ts';
import { publicHtml } from './ghost-html.ts';

/** The stable id of a post's `Article`: its uuid never changes, unlike its slug. */
export function articleId(config: AppConfig, post: Pick<Post, 'uuid'>): string {
  return `${config.apps.blog.publicUrl}/ap/articles/${post.uuid}`;
}

/**
 * The `Article` Mastodon shows as name + summary + link (so both are filled), with the feature
 * image, hashtags from public tags, and the public audience.
 */
export async function buildArticle(
  db: DatabaseLike,
  config: AppConfig,
  post: Post,
): Promise<Record<string, unknown>> {
  const blog = config.apps.blog.publicUrl;
  const actor = `${blog}/ap/actor`;
  const url = `${blog}/${post.slug}/`;
  const tagRows = await db
    .select({ name: tags.name, slug: tags.slug })
    .from(postsTags)
    .innerJoin(tags, eq(tags.id, postsTags.tagId))
    .where(and(eq(postsTags.postId, post.id), eq(tags.visibility, 'public')))
    .orderBy(asc(postsTags.sortOrder));
  return {
    id: articleId(config, post),
    type: 'Article',
    attributedTo: actor,
    name: post.title,
    summary: post.customExcerpt ?? post.excerpt ?? post.title,
    // Only what anyone may read: a members-only or paid post goes out as its public preview.
    content: publicHtml(post.html, post.visibility) ?? '',
    url,
    published: (post.publishedAt ?? post.createdAt).toISOString(),
    updated: post.updatedAt.toISOString(),
    to: [AS_PUBLIC],
    cc: [`${actor}/followers`],
    ...(post.featureImage
      ? {
          image: {
            type: 'Image',
            url: post.featureImage,
            ...(post.featureImageAlt ? { name: post.featureImageAlt } : {}),
          },
        }
      : {}),
    tag: tagRows.map((t) => ({
      type: 'Hashtag',
      name: `#${t.name.replace(/\s+/g, '')}`,
      href: `${blog}/tag/${t.slug}/`,
    })),
  };
}

/**
 * Publishing emits `Create(Article)`; editing a published post emits `Update` (with
 * `updated`); unpublishing or deleting emits `Delete` with a `Tombstone`. Drafts and
 * scheduled posts are not announced until they go live.
 */
export async function emitPostActivity(
  deps: { db: DatabaseLike; config: AppConfig; federation: FederationService | null },
  post: Post,
  previousStatus: Post['status'] | null,
): Promise<void> {
  if (!deps.federation) return;
  const wasLive = previousStatus === 'published';
  const isLive = post.status === 'published';
  const actor = { app: 'blog' as const };
  const audience = { to: [AS_PUBLIC], cc: [`${deps.config.apps.blog.publicUrl}/ap/actor/followers`] };
  if (isLive) {
    const article = await buildArticle(deps.db, deps.config, post);
    await deps.federation.emit(
      { actor, type: wasLive ? 'Update' : 'Create', object: article, ...audience },
      deps.db,
    );
  } else if (wasLive) {
    await deps.federation.emit(
      {
        actor,
        type: 'Delete',
        object: { id: articleId(deps.config, post), type: 'Tombstone', formerType: 'Article' },
        ...audience,
      },
      deps.db,
    );
  }
}
