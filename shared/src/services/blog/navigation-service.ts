import { asc } from 'drizzle-orm';
import { PAGE_TAGS } from '../../contracts/widgets.ts';
import type { Database } from '../../db/client.ts';
import { type NavigationMenu, navigationItems } from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { invalidateFragment } from '../../infrastructure/fragments.ts';
import { purgePageCache } from '../../infrastructure/page-cache.ts';
import { postsChanged } from './post-memo.ts';

export interface NavItem {
  label: string;
  url: string;
}

export async function readNavigation(db: Database): Promise<Record<NavigationMenu, NavItem[]>> {
  const rows = await db
    .select()
    .from(navigationItems)
    .orderBy(asc(navigationItems.menu), asc(navigationItems.sortOrder));
  return {
    primary: rows.filter((r) => r.menu === 'primary').map(({ label, url }) => ({ label, url })),
    secondary: rows.filter((r) => r.menu === 'secondary').map(({ label, url }) => ({ label, url })),
  };
}

/**
 * Replaces both menus. The `nav` fragment every app's header shows, and the cached reader
 * pages, are dropped so the change shows at once. Stays local: Ghost integrations cannot
 * write Ghost's settings.
 */
export async function saveNavigation(
  deps: { db: Database; cache: Cache },
  menus: Record<NavigationMenu, NavItem[]>,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await tx.delete(navigationItems);
    const rows = (['primary', 'secondary'] as const).flatMap((menu) =>
      menus[menu].map((item, sortOrder) => ({ menu, label: item.label, url: item.url, sortOrder })),
    );
    if (rows.length) await tx.insert(navigationItems).values(rows);
  });
  await siteChromeChanged(deps.cache);
}

/**
 * Cache key of what the blog's footer shows on every page (the secondary menu, whether there
 * are newsletters to subscribe to), so a signed-in page view does not query them each time.
 */
export const FOOTER_CACHE_KEY = 'chrome:blog:footer';

/**
 * The menus or newsletters changed, or something many posts show (a tag's or an author's name,
 * removed demo content): the `nav` fragment every app's header shows, the blog's footer, the
 * posts held in memory (post-memo.ts) and the cached reader pages are dropped, so the change
 * shows at once.
 */
export async function siteChromeChanged(cache: Cache): Promise<void> {
  await cache.del(FOOTER_CACHE_KEY);
  await postsChanged(cache);
  await invalidateFragment(cache, 'nav');
  await purgePageCache(cache, [PAGE_TAGS.blogPosts]);
}
