import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import type { FederationService } from '@rose-ash/shared/contracts/protocols.ts';
import type { DatabaseLike } from '@rose-ash/shared/db/client.ts';
import type { Cache } from '@rose-ash/shared/infrastructure/cache.ts';
import type { PostChange, SyncDeps } from '@rose-ash/shared/services/blog/ghost-sync.ts';
import { siteChromeChanged } from '@rose-ash/shared/services/blog/navigation-service.ts';
import { afterChange } from '@rose-ash/shared/services/blog/publishing-service.ts';
import { blogSettings } from './settings.ts';

/**
 * What a sync does beyond the database, the same from the app (webhooks, the button, the
 * safety net) and from `sync:ghost`: a post changed in Ghost is purged and announced exactly
 * like one changed in the editor, and a change every page shows (the menus, removed demo
 * content) drops the `nav` fragment, the footer and the cached blog pages.
 */
export function ghostSyncEffects(deps: {
  cache: Cache;
  config: AppConfig;
  federation: FederationService | null;
}): Pick<SyncDeps, 'onPostChanged' | 'onSiteWideChange'> {
  // Posts first seen by a sync are announced only if published this recently.
  const announceWindowMs = blogSettings(deps.config).announce_window_hours * 60 * 60 * 1000;
  return {
    async onPostChanged(change: PostChange, db: DatabaseLike) {
      const post = change.outcome === 'deleted' ? { ...change.post, status: 'draft' as const } : change.post;
      // A first import of an existing Ghost blog must not re-announce its whole archive.
      const isBackfill =
        change.before === null &&
        !!post.publishedAt &&
        Date.now() - post.publishedAt.getTime() > announceWindowMs;
      await afterChange(
        { db, cache: deps.cache, config: deps.config, federation: isBackfill ? null : deps.federation },
        post,
        change.before,
        change.post.slug,
      );
    },
    async onSiteWideChange() {
      await siteChromeChanged(deps.cache);
    },
  };
}
