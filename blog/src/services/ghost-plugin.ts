import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import type { DatabaseLike } from '@rose-ash/shared/db/client.ts';
import { invalidateFragment } from '@rose-ash/shared/infrastructure/fragments.ts';
import { purgePageCache } from '@rose-ash/shared/infrastructure/page-cache.ts';
import { createGhostClient, type GhostClient } from '@rose-ash/shared/services/blog/ghost-client.ts';
import {
  type PostChange,
  runFullSync,
  runIncrementalSync,
  type SyncDeps,
} from '@rose-ash/shared/services/blog/ghost-sync.ts';
import { processStoredWebhooks, webhookState } from '@rose-ash/shared/services/blog/ghost-webhooks.ts';
import { afterChange } from '@rose-ash/shared/services/blog/publishing-service.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { blogSettings } from './settings.ts';

export interface GhostSync {
  client: GhostClient;
  runFull(): ReturnType<typeof runFullSync>;
  runIncremental(): ReturnType<typeof runIncrementalSync>;
  /** The periodic pull (the `blog.ghost-safety-net` job): incremental sync, then any stored delivery left over. */
  runSafetyNet(): Promise<void>;
  /** Applies stored webhook deliveries; resolves when none are left (single flight). */
  drainWebhooks(): Promise<void>;
  /**
   * The `blog.ghost-webhook` job: applies stored deliveries up to this one, in arrival order;
   * throws (so the runner retries with back-off) while this one is still not applied, unless
   * it was given up on (malformed, or out of attempts): /admin/sync then shows it as failed.
   */
  applyWebhook(deliveryId: number): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present only when Ghost is configured (GHOST_URL + GHOST_ADMIN_API_KEY). */
    ghostSync: GhostSync | null;
  }
}

/**
 * Ghost sync wiring for the blog: the Admin API client, full / incremental / periodic pulls
 * and the webhook processor. Without Ghost configured the blog runs from its database alone.
 */
export const ghostPlugin = fp(
  async (app: FastifyInstance) => {
    const ghostConfig = app.config.ghost;
    if (!ghostConfig) {
      app.decorate('ghostSync', null);
      return;
    }
    const client = createGhostClient({ url: ghostConfig.url, adminApiKey: ghostConfig.adminApiKey });
    // Posts first seen by a sync are announced only if published this recently.
    const announceWindowMs = blogSettings(app.config).announce_window_hours * 60 * 60 * 1000;
    /** A change made in Ghost is purged and announced exactly like one made in the editor. */
    const onPostChanged = async (change: PostChange, db: DatabaseLike) => {
      const post = change.outcome === 'deleted' ? { ...change.post, status: 'draft' as const } : change.post;
      // A first import of an existing Ghost blog must not re-announce its whole archive.
      const isBackfill =
        change.before === null &&
        !!post.publishedAt &&
        Date.now() - post.publishedAt.getTime() > announceWindowMs;
      await afterChange(
        { db, cache: app.cache, config: app.config, federation: isBackfill ? null : app.services.federation },
        post,
        change.before,
        change.post.slug,
      );
    };
    /** Menus or many rows changed: every app's header (`nav`) and every cached blog page. */
    const onSiteWideChange = async () => {
      await invalidateFragment(app.cache, 'nav');
      await purgePageCache(app.cache, [PAGE_TAGS.blogPosts]);
    };
    const deps = (): SyncDeps => ({
      db: app.db.db,
      ghost: client,
      log: app.log,
      onPostChanged,
      onSiteWideChange,
    });
    let draining: Promise<void> | null = null;
    let again = false;
    const sync: GhostSync = {
      client,
      runFull: () => runFullSync(deps()),
      runIncremental: () => runIncrementalSync(deps()),
      async runSafetyNet() {
        await runIncrementalSync(deps());
        await sync.drainWebhooks();
      },
      async applyWebhook(deliveryId) {
        await processStoredWebhooks(
          { ...deps(), onSiteChanged: async () => void (await runIncrementalSync(deps())) },
          { upTo: deliveryId },
        );
        const state = await webhookState(app.db.db, deliveryId);
        // A delivery given up on waits on /admin/sync for a retry or a discard: no more job retries.
        if (state && !state.applied && !state.failed) {
          throw new Error(state.error ?? 'the delivery was not applied');
        }
      },
      drainWebhooks() {
        // A call during a pass asks for one more pass, so a delivery stored just as the
        // previous pass found nothing is still applied before the promise resolves.
        if (draining) {
          again = true;
          return draining;
        }
        draining = (async () => {
          do {
            again = false;
            await processStoredWebhooks({
              ...deps(),
              onSiteChanged: async () => {
                await runIncrementalSync(deps());
              },
            });
          } while (again);
        })().finally(() => {
          draining = null;
        });
        return draining;
      },
    };
    app.decorate('ghostSync', sync);
  },
  { name: 'blog-ghost-sync', fastify: '5.x' },
);
