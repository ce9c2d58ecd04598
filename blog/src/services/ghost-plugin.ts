import { createGhostClient, type GhostClient } from '@rose-ash/shared/services/blog/ghost-client.ts';
import { runFullSync, runIncrementalSync, type SyncDeps } from '@rose-ash/shared/services/blog/ghost-sync.ts';
import { processStoredWebhooks, webhookState } from '@rose-ash/shared/services/blog/ghost-webhooks.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ghostSyncEffects } from './ghost-effects.ts';

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
    const effects = ghostSyncEffects({
      cache: app.cache,
      config: app.config,
      federation: app.services.federation,
    });
    const deps = (): SyncDeps => ({
      db: app.db.db,
      ghost: client,
      log: app.log,
      ...effects,
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
