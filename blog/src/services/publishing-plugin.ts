import { mkdirSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import { publishDuePosts } from '@rose-ash/shared/services/blog/editor-service.ts';
import type { PublishingDeps } from '@rose-ash/shared/services/blog/publishing-service.ts';
import { afterChange } from '@rose-ash/shared/services/blog/publishing-service.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { blogSettings } from '../settings.ts';

declare module 'fastify' {
  interface FastifyInstance {
    blogPublishing: {
      /**
       * Publishes scheduled posts whose time has come (and announces them); returns how many.
       * The `blog.publish-scheduled` job calls it every minute on one replica.
       */
      publishDue(now?: Date): Promise<number>;
    };
  }
}

/**
 * What happens around a post changing, wherever the change came from (editor, Ghost, the
 * scheduler): uploaded media served from the media volume, Ghost-side changes purged and
 * announced like local ones, and scheduled posts published on time by one replica.
 */
export const publishingPlugin = fp(
  async (app: FastifyInstance) => {
    mkdirSync(app.config.paths.media, { recursive: true });
    await app.register(fastifyStatic, {
      root: app.config.paths.media,
      prefix: '/media/',
      decorateReply: false,
      maxAge: app.config.isProduction ? '30d' : 0,
      immutable: app.config.isProduction,
      // Uploaded files are images named by us; never list folders or serve dotfiles.
      index: false,
      dotfiles: 'deny',
    });

    // Posts first seen by a sync are announced only if published this recently.
    const announceWindowMs = blogSettings(app.config).announce_window_hours * 60 * 60 * 1000;
    const federation = (): PublishingDeps['federation'] =>
      (app as unknown as { services?: { federation?: PublishingDeps['federation'] } }).services?.federation ??
      null;

    app.ghostSync?.onPostChanged(async (change, db) => {
      const post = change.outcome === 'deleted' ? { ...change.post, status: 'draft' as const } : change.post;
      // A first import of an existing Ghost blog must not re-announce its whole archive.
      const isBackfill =
        change.before === null &&
        !!post.publishedAt &&
        Date.now() - post.publishedAt.getTime() > announceWindowMs;
      await afterChange(
        { db, cache: app.cache, config: app.config, federation: isBackfill ? null : federation() },
        post,
        change.before,
        change.post.slug,
      );
    });

    // publishDuePosts is one UPDATE … WHERE status = 'scheduled': a concurrent run waits on the
    // row and then finds it published, so a post is published (and announced) once.
    const publishDue = async (now = new Date()) =>
      app.db.db.transaction(async (tx) => {
        const due = await publishDuePosts(tx, now);
        for (const post of due) {
          await afterChange(
            { db: tx, cache: app.cache, config: app.config, federation: federation() },
            post,
            'scheduled',
            post.slug,
          );
        }
        return due.length;
      });
    app.decorate('blogPublishing', { publishDue });
  },
  { name: 'blog-publishing', dependencies: ['blog-ghost-sync'], fastify: '5.x' },
);
